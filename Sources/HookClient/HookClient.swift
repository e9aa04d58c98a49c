import HookJSON
import HookNumbers
import HookRPC
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Swift client for hookd: one persistent connection, safe to share between threads.
///
/// Calls are serialized on the connection (hookd answers each in turn); a connection found
/// broken is replaced once, transparently, before a request is written. Every wait is bounded
/// by `timeoutSeconds`.
public final class HookClient: Sendable {
    /// One element of a batch.
    public struct BatchCall: Sendable {
        public var method: String
        public var params: JSONObject?
        /// A notification gets no reply and has no place in the batch's results.
        public var isNotification: Bool

        public init(_ method: String, params: JSONObject? = nil, isNotification: Bool = false) {
            self.method = method
            self.params = params
            self.isNotification = isNotification
        }
    }

    public let socketPath: String
    public let timeoutSeconds: Double
    private let state = Mutex<(connection: SocketConnection?, nextID: Int64)>((nil, 1))

    /// - Parameters:
    ///   - socketPath: nil resolves the path as every hookd client does (`SocketPath`).
    ///   - timeoutSeconds: how long a call may take, kept within 1 ms … 1 day (NaN: 30 s).
    public init(socketPath: String? = nil, timeoutSeconds: Double = 30) {
        self.socketPath = SocketPath.resolveForCurrentProcess(explicit: socketPath, forClient: true)
        self.timeoutSeconds = timeoutSeconds.clamped(to: 0.001...86_400, ifNaN: 30)
    }

    /// Calls a method and returns its result.
    /// - Throws: `HookClientError.reply` with the daemon's error, or a transport error.
    public func call(_ method: String, params: JSONObject? = nil) throws(HookClientError) -> JSONValue {
        let results = try exchange { id in [(RPCRequest(id: .integer(id), method: method, params: params.map(JSONValue.object)), true)] }
        guard let result = results.first else { throw .protocolViolation("no reply") }
        return try result.get()
    }

    /// Sends a notification: no reply is read, and errors on the daemon's side are not reported.
    public func notify(_ method: String, params: JSONObject? = nil) throws(HookClientError) {
        _ = try exchange { _ in [(RPCRequest(id: nil, method: method, params: params.map(JSONValue.object)), false)] }
    }

    /// Sends several calls in one batch.
    /// - Returns: one result per non-notification call, in the order given.
    public func batch(_ calls: [BatchCall]) throws(HookClientError) -> [Result<JSONValue, HookClientError>] {
        try exchange(batch: true) { firstID in
            calls.enumerated().map { offset, call in
                let id: RPCID? = call.isNotification ? nil : .integer(firstID + Int64(offset))
                return (RPCRequest(id: id, method: call.method, params: call.params.map(JSONValue.object)), !call.isNotification)
            }
        }
    }

    /// Sends one raw line and returns the parsed replies that arrive before a sentinel call's.
    ///
    /// For protocol conformance tests, which must send lines no well-behaved client would. With
    /// `expectingReply`, a reply that comes after the sentinel's (a deferred method) is waited for.
    public func exchangeRaw(_ line: String, expectingReply: Bool = false) throws(HookClientError) -> [JSONValue] {
        let sentinel = RPCRequest(id: .string("__sentinel__"), method: MethodName.systemEcho, params: ["value": "__sentinel__"])
        return try withConnection { connection throws(HookClientError) in
            try connection.send([Array(line.utf8), sentinel.encoded()])
            var replies: [JSONValue] = []
            var sentinelSeen = false
            let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
            while !sentinelSeen || (expectingReply && replies.isEmpty) {
                let bytes = try connection.receiveLine(deadline: deadline, timeoutSeconds: timeoutSeconds)
                let value: JSONValue
                do throws(JSONParseError) { value = try JSONValue.parse(bytes) } catch { throw .protocolViolation(error.description) }
                if value["id"] == .string("__sentinel__") { sentinelSeen = true } else { replies.append(value) }
            }
            return replies
        }
    }

    /// Drops the connection; the next call opens a new one.
    public func close() {
        state.withLock { $0.connection = nil }
    }

    // MARK: - Typed helpers

    /// `system.health`.
    public func health() throws(HookClientError) -> JSONObject { try object(call(MethodName.systemHealth)) }

    /// `system.version`.
    public func version() throws(HookClientError) -> JSONObject { try object(call(MethodName.systemVersion)) }

    /// `system.echo`: returns the value the daemon echoed.
    public func echo(_ value: JSONValue) throws(HookClientError) -> JSONValue {
        guard let echoed = try call(MethodName.systemEcho, params: ["value": value])["value"] else {
            throw .protocolViolation("system.echo result has no 'value'")
        }
        return echoed
    }

    // MARK: - Internals

    private func object(_ value: JSONValue) throws(HookClientError) -> JSONObject {
        guard case .object(let object) = value else { throw .protocolViolation("expected an object result, found \(value.typeName)") }
        return object
    }

    /// Sends the requests built by `build` (given the first free id) and collects the replies
    /// owed, in request order.
    private func exchange(
        batch: Bool = false, _ build: (Int64) -> [(RPCRequest, Bool)]
    ) throws(HookClientError) -> [Result<JSONValue, HookClientError>] {
        try withConnection { connection, firstID throws(HookClientError) in
            let requests = build(firstID)
            if let secretBearing = requests.first(where: { MethodName.secretBearing.contains($0.0.method) })?.0.method {
                try checkServerIsTrusted(connection, for: secretBearing)
            }
            let owed = requests.filter(\.1).compactMap(\.0.id)
            let line: [UInt8]
            if batch {
                line = JSONValue.array(requests.map(\.0.json)).encoded()
            } else {
                line = requests.first?.0.encoded() ?? []
            }
            guard !requests.isEmpty else { return [] }
            try connection.send([line])
            guard !owed.isEmpty else { return [] }
            return try collect(owed, from: connection)
        } reservingIDs: { build(0).count }
    }

    /// Refuses a server that runs as neither root, this user, nor a uid in `HOOKD_TRUSTED_UID`
    /// (comma-separated): whoever created the socket path first could otherwise collect secrets.
    private func checkServerIsTrusted(_ connection: SocketConnection, for method: String) throws(HookClientError) {
        let serverUserID = try connection.serverUserID()
        let trusted = Set([0, getuid()] + (getenv("HOOKD_TRUSTED_UID").map { String(cString: $0) } ?? "")
            .split(separator: ",").compactMap { UInt32(String($0.filter { $0 != " " })) })
        guard trusted.contains(serverUserID) else { throw .untrustedServer(path: socketPath, userID: serverUserID, method: method) }
    }

    private func collect(_ owed: [RPCID], from connection: SocketConnection) throws(HookClientError) -> [Result<JSONValue, HookClientError>] {
        var received: [RPCID: Result<JSONValue, HookClientError>] = [:]
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        while received.count < owed.count {
            let bytes = try connection.receiveLine(deadline: deadline, timeoutSeconds: timeoutSeconds)
            let value: JSONValue
            do { value = try JSONValue.parse(bytes) } catch { throw .protocolViolation(error.description) }
            let responses: [JSONValue] = if case .array(let elements) = value { elements } else { [value] }
            for response in responses {
                let decoded: RPCResponse
                do { decoded = try RPCResponse.decode(response) } catch { throw .protocolViolation(error.message) }
                // An error about the whole line (id null) answers everything still owed.
                if decoded.id == .null, case .failure(let error) = decoded.outcome {
                    for id in owed where received[id] == nil { received[id] = .failure(.reply(error)) }
                    continue
                }
                received[decoded.id] = decoded.outcome.mapError { HookClientError.reply($0) }
            }
        }
        return owed.map { received[$0] ?? .failure(.protocolViolation("no reply for id \($0)")) }
    }

    private func withConnection<Result: Sendable>(
        _ body: (SocketConnection, Int64) throws(HookClientError) -> Result,
        reservingIDs count: () -> Int = { 1 }
    ) throws(HookClientError) -> Result {
        try state.withLock { (state) throws(HookClientError) -> Result in
            let firstID = state.nextID
            state.nextID += Int64(max(count(), 1))
            let connection: SocketConnection
            if let existing = state.connection, !existing.isClosedByPeer() {
                connection = existing
            } else {
                connection = try SocketConnection(path: socketPath)
                state.connection = connection
            }
            do throws(HookClientError) {
                return try body(connection, firstID)
            } catch {
                // After any failure the stream may hold a late reply; start afresh next time.
                state.connection = nil
                throw error
            }
        }
    }

    private func withConnection<Result: Sendable>(_ body: (SocketConnection) throws(HookClientError) -> Result) throws(HookClientError) -> Result {
        try withConnection({ connection, _ throws(HookClientError) in try body(connection) })
    }
}
