@testable import HookDaemon
import HookCore
import HookJSON
import HookRPC
import Synchronization
import Testing

/// The protocol rules as the dispatcher applies them, with no socket involved.
struct RPCDispatcherTests {
    static let daemonUser: UInt32 = 990
    let root = CallContext(peer: Peer(processID: 1, userID: 0, groupID: 0), connectionID: 1)
    let stranger = CallContext(peer: Peer(processID: 2, userID: 1234, groupID: 1234), connectionID: 2)
    let policy = AccessPolicy(daemonUserID: daemonUser)

    var dispatcher: RPCDispatcher {
        var table = MethodTable()
        table.register("test.add") { params, _ throws(RPCError) in
            do throws(JSONAccessError) {
                guard let a = try params.optionalInteger("a"), let b = try params.optionalInteger("b") else {
                    throw JSONAccessError(key: "a", problem: .missing)
                }
                return .value(.integer(a + b))
            } catch {
                throw .invalidParams(error)
            }
        }
        table.register("test.later") { params, _ in
            .later { params["value"] ?? .null }
        }
        return RPCDispatcher(methods: table)
    }

    /// Dispatches `line` and waits (bounded) for a deferred reply.
    func reply(to line: String, as context: CallContext? = nil) async throws -> JSONValue? {
        let incoming = Array(line.utf8).withUnsafeBytes { RPCIncoming.decode(line: $0) }
        let box = Mutex<[UInt8]??>(nil)
        let outcome = dispatcher.dispatch(incoming, context: context ?? root, policy: policy) { bytes in box.withLock { $0 = .some(bytes) } }
        let bytes: [UInt8]?
        switch outcome {
        case .done(let immediate): bytes = immediate
        case .pending:
            var waited = 0
            while box.withLock({ $0 }) == nil && waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            bytes = try #require(box.withLock { $0 })
        }
        return try bytes.map { try JSONValue.parse($0) }
    }

    @Test func aRequestGetsItsResultWithItsId() async throws {
        let reply = try await reply(to: #"{"jsonrpc":"2.0","method":"test.add","params":{"a":2,"b":3},"id":"x"}"#)
        #expect(reply == ["jsonrpc": "2.0", "id": "x", "result": 5])
    }

    @Test func aDeferredMethodAnswersThroughTheCompletion() async throws {
        let reply = try await reply(to: #"{"jsonrpc":"2.0","method":"test.later","params":{"value":[1]},"id":4}"#)
        #expect(reply?["result"] == [1])
        #expect(reply?["id"] == 4)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":1}}"#,
        #"{"jsonrpc":"2.0","method":"no.such.method"}"#,
        #"{"jsonrpc":"2.0","method":"test.add","params":{"a":"x"}}"#,
        #"{"jsonrpc":"2.0","method":"test.add","params":[1,2]}"#,
        #"{"jsonrpc":"2.0","method":"test.later","params":{"value":1}}"#,
        #"[{"jsonrpc":"2.0","method":"test.add"},{"jsonrpc":"2.0","method":"test.later"}]"#,
    ])
    func notificationsNeverGetAReply(line: String) async throws {
        #expect(try await reply(to: line) == nil)
    }

    @Test func anotherUserIsDeniedNamingTheMethodAndNotificationsStaySilent() async throws {
        let denied = try await reply(to: #"{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":1},"id":1}"#, as: stranger)
        #expect(denied?["error"]?["code"] == -32001)
        #expect(denied?["error"]?["data"]?["kind"] == "permission_denied")
        #expect(denied?["error"]?["data"]?["method"] == "test.add")
        #expect(denied?["error"]?["message"] == "permission denied: uid 1234 may not call test.add")
        #expect(try await reply(to: #"{"jsonrpc":"2.0","method":"test.add"}"#, as: stranger) == nil)
    }

    @Test func theDaemonsOwnUserMayCallEverything() async throws {
        let own = CallContext(peer: Peer(processID: 3, userID: Self.daemonUser, groupID: 5), connectionID: 3)
        #expect(try await reply(to: #"{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":1},"id":1}"#, as: own)?["result"] == 2)
    }

    @Test func badParamsNameTheParameter() async throws {
        let reply = try await reply(to: #"{"jsonrpc":"2.0","method":"test.add","params":{"a":"one","b":1},"id":1}"#)
        #expect(reply?["error"]?["code"] == -32602)
        #expect(reply?["error"]?["message"] == "parameter 'a' must be an integer, found string")
        #expect(reply?["error"]?["data"]?["parameter"] == "a")
    }

    @Test func aMixedBatchAnswersOnlyItsRequestsIncludingDeferredOnes() async throws {
        let reply = try await reply(to: """
            [{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":2},"id":1},
             {"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":2}},
             {"jsonrpc":"2.0","method":"test.later","params":{"value":"v"},"id":2},
             {"jsonrpc":"2.0","method":"nope","id":3},
             7]
            """.replacingOccurrences(of: "\n", with: ""))
        let responses = try #require(reply?.arrayValue)
        #expect(responses.count == 4)
        #expect(responses.contains { $0["id"] == 1 && $0["result"] == 3 })
        #expect(responses.contains { $0["id"] == 2 && $0["result"] == "v" })
        #expect(responses.contains { $0["id"] == 3 && $0["error"]?["code"] == -32601 })
        #expect(responses.contains { $0["id"] == .null && $0["error"]?["code"] == -32600 })
    }

    @Test func refusalAnswersEveryRequestWithTheGivenError() throws {
        let incoming = Array(#"[{"jsonrpc":"2.0","method":"test.add","id":1},{"jsonrpc":"2.0","method":"test.add"}]"#.utf8)
            .withUnsafeBytes { RPCIncoming.decode(line: $0) }
        let bytes = try #require(dispatcher.refusal(incoming, error: RPCError(.shuttingDown, "stopping")))
        let reply = try JSONValue.parse(bytes)
        #expect(reply.arrayValue?.count == 1)
        #expect(reply.arrayValue?.first?["error"]?["code"] == -32009)
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
