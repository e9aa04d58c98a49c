import Foundation

/// A plain-HTTP test server on 127.0.0.1 that serves many connections at once, one thread each.
///
/// `reply` decides per request: answer (optionally after a delay) or hang until the client gives up
/// or the server stops. Every wait is bounded; `stop()` (also run by `deinit`) ends all threads
/// within about 50 ms, and each thread closes only the descriptors it owns.
final class LocalHTTPServer: Sendable {
    /// What the server does with one request.
    enum Reply: Sendable {
        /// Sends `raw` (status line, headers, blank line, body) after `afterSeconds`, then closes.
        case respond(String, afterSeconds: Double = 0)
        /// Reads nothing more and answers nothing until the client closes or the server stops.
        case hang
    }

    /// A request as received: the head (request line and headers) and the body bytes.
    struct Request: Sendable {
        var head: String
        var body: [UInt8]
        /// The request line, e.g. `GET /path?x=1 HTTP/1.1`.
        var requestLine: String { head.split(separator: "\r\n").first.map(String.init) ?? "" }
        /// Whether the head contains `name: value` (name compared case-insensitively).
        func hasHeader(_ name: String, _ value: String) -> Bool {
            head.split(separator: "\r\n").contains { $0.lowercased().hasPrefix(name.lowercased() + ":") && $0.hasSuffix(": " + value) }
        }
    }

    let port: UInt16
    private let state: ServerState

    /// Starts listening on a free loopback port.
    init(reply: @escaping @Sendable (Request) -> Reply) throws {
        let listener = try SocketHelpers.loopbackListener()
        port = try SocketHelpers.localPort(of: listener)
        let state = ServerState()
        self.state = state
        Thread.detachNewThread { Self.acceptLoop(listener: listener, state: state, reply: reply) }
    }

    /// Convenience: the same canned answer for every request.
    convenience init(respond raw: String, afterSeconds delay: Double = 0) throws {
        try self.init { _ in .respond(raw, afterSeconds: delay) }
    }

    deinit { stop() }

    /// Ends the accept loop and every connection thread (each closes its own socket).
    func stop() { state.lock.withLock { state.stopped = true } }

    /// Requests received so far.
    var requests: [Request] { state.lock.withLock { state.requests } }

    /// How many hanging connections the client closed (seen as EOF by the server).
    var connectionsClosedByClient: Int { state.lock.withLock { state.closedByClient } }

    /// Waits (without blocking a thread) until `condition` holds, for at most `seconds`.
    func eventually(within seconds: Double, _ condition: @Sendable (LocalHTTPServer) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    // MARK: Threads

    private final class ServerState: @unchecked Sendable {
        // Every field below is read and written only under `lock`.
        let lock = NSLock()
        var stopped = false
        var requests: [Request] = []
        var closedByClient = 0
        var isStopped: Bool { lock.withLock { stopped } }
    }

    private static func acceptLoop(listener: Int32, state: ServerState, reply: @escaping @Sendable (Request) -> Reply) {
        defer { close(listener) }
        while !state.isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) == 1 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            Thread.detachNewThread { serve(connection, state: state, reply: reply) }
        }
    }

    private static func serve(_ connection: Int32, state: ServerState, reply: @Sendable (Request) -> Reply) {
        defer { close(connection) }
        guard let request = readRequest(connection, state: state) else { return }
        state.lock.withLock { state.requests.append(request) }
        switch reply(request) {
        case .respond(let raw, let delay):
            let deadline = Date().addingTimeInterval(delay)
            while Date() < deadline, !state.isStopped { usleep(5_000) }
            _ = Array(raw.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .hang:
            let deadline = Date().addingTimeInterval(60)
            var scratch = [UInt8](repeating: 0, count: 1024)
            while Date() < deadline, !state.isStopped {
                var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&readable, 1, 50) == 1 else { continue }
                let count = scratch.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                if count <= 0 {
                    state.lock.withLock { state.closedByClient += 1 }
                    return
                }
            }
        }
    }

    /// Reads the head and as many body bytes as Content-Length announces; nil on EOF, error or 10 s.
    private static func readRequest(_ connection: Int32, state: ServerState) -> Request? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = Date().addingTimeInterval(10)
        let separator = Array("\r\n\r\n".utf8)
        while Date() < deadline, !state.isStopped {
            if let headEnd = bytes.firstRange(of: separator) {
                let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if bytes.count - headEnd.upperBound >= length {
                    return Request(head: head, body: Array(bytes[headEnd.upperBound...]))
                }
            }
            var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 50) == 1 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            bytes.append(contentsOf: chunk[..<count])
        }
        return nil
    }
}
