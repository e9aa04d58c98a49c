import Foundation
@testable import HookHTTP
import Testing

/// `HTTPClient.Configuration.addressScreen` and `HTTPRequest.requiresTLS`, against servers on
/// 127.0.0.1 only: what the screen refuses is never connected to, what it approves works as before.
struct AddressScreenTests {
    /// Approves 127.0.0.1 and nothing else, and remembers every address it was asked about.
    final class Screen: @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [[UInt8]] = []
        var seen: [[UInt8]] { lock.withLock { asked } }

        var check: HTTPClient.AddressScreen {
            { bytes in
                self.lock.withLock { self.asked.append(bytes) }
                return bytes == [127, 0, 0, 1] ? nil : "blocked address \(bytes) (test)"
            }
        }
    }

    @Test func anApprovedAddressIsConnectedToAndTheScreenSawIt() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        let screen = Screen()
        let client = HTTPClient(configuration: .init(addressScreen: screen.check))
        let response = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 5))
        #expect(response.statusCode == 200)
        #expect(screen.seen == [[127, 0, 0, 1]])
        await client.shutdown()
    }

    @Test func aRefusedAddressIsNeverConnectedTo() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        let client = HTTPClient(configuration: .init(addressScreen: { _ in "blocked address (test)" }))
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/secret", timeoutSeconds: 5))
        }
        #expect(error?.curlCode == HTTPError.blockedAddressCode)
        #expect(error?.message == "blocked address (test)")
        #expect(error?.target == "GET http://127.0.0.1:\(server.port)/secret")
        #expect(server.requests.isEmpty, "nothing may reach a refused address")
        await client.shutdown()
    }

    @Test func aHostNameIsJudgedByTheAddressesItResolvesTo() async throws {
        // "localhost" resolves to 127.0.0.1 and/or ::1; the screen must see those, not the name.
        let server = try LocalHTTPServer(respond: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        let screen = Screen()
        let client = HTTPClient(configuration: .init(addressScreen: screen.check))
        _ = try? await client.send(HTTPRequest(url: "http://localhost:\(server.port)/", timeoutSeconds: 5))
        #expect(!screen.seen.isEmpty)
        #expect(screen.seen.allSatisfy { $0 == [127, 0, 0, 1] || $0 == [UInt8](repeating: 0, count: 15) + [1] })
        await client.shutdown()
    }

    @Test func aRedirectToARefusedAddressIsRefusedBeforeItConnects() async throws {
        // 127.0.0.2 is loopback too, but the screen approves only 127.0.0.1; nothing listens on
        // 127.0.0.2:9, so without the screen this would be "connection refused", not "blocked".
        let server = try LocalHTTPServer(
            respond: "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:9/metadata\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let screen = Screen()
        let client = HTTPClient(configuration: .init(addressScreen: screen.check))
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/start", timeoutSeconds: 5, followRedirects: true))
        }
        #expect(error?.curlCode == HTTPError.blockedAddressCode)
        #expect(screen.seen.contains([127, 0, 0, 2]))
        await client.shutdown()
    }

    @Test func requiresTLSRefusesPlainHTTPBeforeConnecting() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        let client = HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 5, requiresTLS: true))
        }
        #expect(error?.curlCode == 1, "CURLE_UNSUPPORTED_PROTOCOL")
        #expect(server.requests.isEmpty)
        await client.shutdown()
    }
}
