import Foundation
import HookHTTP
import Testing

/// libcurl against a local HTTP server started by the test on a loopback port.
struct CurlEasyTransferTests {
    @Test func getReturnsStatusAndBodyAndSendsOurHeaders() throws {
        let server = try OneShotHTTPServer(response: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        let response = try CurlEasyTransfer().perform(HTTPRequest(
            url: "http://127.0.0.1:\(server.port)/probe?x=1", headers: [("X-Hookd-Test", "yes")], timeoutSeconds: 5))
        #expect(response.statusCode == 201)
        #expect(response.body == Array("hello".utf8))
        let request = try #require(server.waitForRequest(seconds: 5))
        #expect(request.hasPrefix("GET /probe?x=1 HTTP/1.1\r\n"))
        #expect(request.contains("X-Hookd-Test: yes\r\n"))
    }

    @Test func postSendsTheBody() throws {
        let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let body = Array(#"{"event":"test"}"#.utf8)
        let response = try CurlEasyTransfer().perform(HTTPRequest(
            method: "POST", url: "http://127.0.0.1:\(server.port)/hook", headers: [("Content-Type", "application/json")], body: body))
        #expect(response.statusCode == 200)
        let request = try #require(server.waitForRequest(seconds: 5))
        #expect(request.hasPrefix("POST /hook HTTP/1.1\r\n"))
        #expect(request.hasSuffix(#"{"event":"test"}"#))
    }

    @Test func aClosedPortIsATransportErrorWithCurlsReason() throws {
        let port = try OneShotHTTPServer.unusedPort()
        #expect {
            _ = try CurlEasyTransfer().perform(HTTPRequest(url: "http://127.0.0.1:\(port)/", timeoutSeconds: 5))
        } throws: { error in
            guard let error = error as? HTTPError else { return false }
            return error.curlCode == 7 && error.message.contains("Couldn't connect")
        }
    }
}

/// Accepts one connection on 127.0.0.1, records the request, sends a canned response.
final class OneShotHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var received: String?

    init(response: String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        try Self.check(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } })
        try Self.check(listen(listener, 4))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try Self.check(withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } })
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve(response) }
    }

    deinit { close(listener) }

    /// The raw request (head and body), once the server has read it.
    func waitForRequest(seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let request = lock.withLock({ received }) { return request }
            usleep(10_000)
        }
        return nil
    }

    private func serve(_ response: String) {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 10_000) == 1 else { return }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !Self.isComplete(request) {
            var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 5_000) == 1 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            request.append(contentsOf: chunk[..<count])
        }
        lock.withLock { received = String(decoding: request, as: UTF8.self) }
        _ = Array(response.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whether the head has arrived and as much body as Content-Length announces.
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<headEnd.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length
    }

    /// A loopback port that nothing listens on: bound to learn a free number, then closed.
    static func unusedPort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        try check(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } })
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try check(withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } })
        return UInt16(bigEndian: address.sin_port)
    }

    private static func check(_ result: Int32) throws {
        if result != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
