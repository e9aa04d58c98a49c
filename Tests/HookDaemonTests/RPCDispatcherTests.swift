@testable import HookDaemon
import HookCore
import HookJSON
import HookRPC
import NIOCore
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

    /// Dispatches `line` and waits (bounded) for a deferred reply; a reply must be exactly one line.
    func reply(to line: String, as context: CallContext? = nil) async throws -> JSONValue? {
        var output = ByteBufferAllocator().buffer(capacity: 64)
        let box = Mutex<ByteBuffer??>(nil)
        let outcome = Array(line.utf8).withUnsafeBytes { bytes in
            dispatcher.dispatch(line: bytes, context: context ?? root, policy: policy, into: &output) { reply, _ in
                box.withLock { $0 = .some(reply) }
            }
        }
        let bytes: ByteBuffer?
        switch outcome {
        case .done: bytes = output.readableBytes > 0 ? output : nil
        case .pending:
            #expect(output.readableBytes == 0, "a pending line writes nothing now")
            var waited = 0
            while box.withLock({ $0 }) == nil && waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            bytes = try #require(box.withLock { $0 })
        }
        guard let bytes else { return nil }
        let text = String(buffer: bytes)
        #expect(text.last == "\n")
        #expect(!text.dropLast().contains("\n"))
        return try JSONValue.parse(String(text.dropLast()))
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

    @Test func aUserWithAGrantIsDeniedOtherMethodsByName() async throws {
        var granted = AccessPolicy(daemonUserID: Self.daemonUser)
        granted.rules = [AccessPolicy.Rule(methods: [try #require(MethodPattern("test.later"))], userIDs: [1234])]
        var output = ByteBufferAllocator().buffer(capacity: 64)
        let line = #"{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":1},"id":1}"#
        _ = Array(line.utf8).withUnsafeBytes { dispatcher.dispatch(line: $0, context: stranger, policy: granted, into: &output) { _, _ in } }
        let denied = try JSONValue.parse(String(String(buffer: output).dropLast()))
        #expect(denied["error"]?["code"] == -32001)
        #expect(denied["error"]?["data"]?["kind"] == "permission_denied")
        #expect(denied["error"]?["data"]?["method"] == "test.add")
        #expect(denied["error"]?["message"] == "permission denied: uid 1234 may not call test.add")
    }

    /// A peer with no grant at all learns nothing: not which methods exist, not what is malformed.
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","method":"test.add","params":{"a":1,"b":1},"id":1}"#, #"{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}}"#),
        (#"{"jsonrpc":"2.0","method":"no.such.method","id":2}"#, #"{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}}"#),
        (#"{"jsonrpc":"1.0","method":"test.add","id":3}"#, #"{"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}}"#),
        (#"{not json"#, #"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}}"#),
        (#"[1,{"jsonrpc":"2.0","method":"nope","id":"b"}]"#, #"[{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}},{"jsonrpc":"2.0","id":"b","error":{"code":-32001,"message":"permission denied: uid 1234 has no grant","data":{"kind":"permission_denied"}}}]"#),
        (#"{"jsonrpc":"2.0","method":"test.add"}"#, ""),
    ])
    func aUserWithNoGrantGetsPermissionDeniedForEverything(line: String, expected: String) async throws {
        let reply = try await dispatcher.replyLine(line, context: stranger, policy: policy)
        #expect(reply == (expected.isEmpty ? "" : expected + "\n"))
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
        var output = ByteBufferAllocator().buffer(capacity: 64)
        Array(#"[{"jsonrpc":"2.0","method":"test.add","id":1},{"jsonrpc":"2.0","method":"test.add"}]"#.utf8).withUnsafeBytes {
            dispatcher.refuse(line: $0, error: RPCError(.shuttingDown, "stopping"), into: &output)
        }
        let text = String(buffer: output)
        #expect(text.last == "\n")
        let reply = try JSONValue.parse(String(text.dropLast()))
        #expect(reply.arrayValue?.count == 1)
        #expect(reply.arrayValue?.first?["error"]?["code"] == -32009)
    }

    @Test func aDirectHandlerWritesItsResultIntoTheReplyAndANotificationLeavesNothing() async throws {
        var table = MethodTable()
        table.registerDirect("test.direct") { params, _, output throws(RPCError) in
            output.writeJSON { writer in
                writer.append(#"{"seen":"#)
                (params["v"] ?? .null).encode(into: &writer)
                writer.append("}")
            }
            return .written
        }
        let direct = RPCDispatcher(methods: table)
        var output = ByteBufferAllocator().buffer(capacity: 64)
        for line in [#"{"jsonrpc":"2.0","method":"test.direct","params":{"v":[1]},"id":9}"#,
                     #"{"jsonrpc":"2.0","method":"test.direct","params":{"v":2}}"#,
                     #"[{"jsonrpc":"2.0","method":"test.direct","params":{"v":3}},{"jsonrpc":"2.0","method":"test.direct","params":{"v":4},"id":"b"}]"#] {
            let outcome = Array(line.utf8).withUnsafeBytes { direct.dispatch(line: $0, context: root, policy: policy, into: &output) { _, _ in } }
            #expect(outcome == .done)
        }
        #expect(String(buffer: output) == """
            {"jsonrpc":"2.0","id":9,"result":{"seen":[1]}}
            [{"jsonrpc":"2.0","id":"b","result":{"seen":4}}]

            """)
    }

    @Test func aHandlerThatThrowsAfterWritingLeavesOnlyTheError() async throws {
        var table = MethodTable()
        table.registerDirect("test.half") { _, _, output throws(RPCError) in
            output.writeString(#"{"partial":"#)
            throw RPCError(.invalidParams, "changed my mind")
        }
        let reply = try await RPCDispatcher(methods: table).replyLine(#"{"jsonrpc":"2.0","method":"test.half","id":1}"#, context: root, policy: policy)
        #expect(reply == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"changed my mind","data":{"kind":"invalid_params"}}}"# + "\n")
    }
}

private extension RPCDispatcher {
    /// The immediate reply to one line, as text.
    func replyLine(_ line: String, context: CallContext, policy: AccessPolicy) async throws -> String {
        var output = ByteBufferAllocator().buffer(capacity: 64)
        let outcome = Array(line.utf8).withUnsafeBytes { dispatch(line: $0, context: context, policy: policy, into: &output) { _, _ in } }
        #expect(outcome == .done)
        return String(buffer: output)
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
