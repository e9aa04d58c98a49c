import Foundation
@testable import HookHTTP
import Testing

/// HTTPClient against local servers on 127.0.0.1 (plain HTTP threads, `openssl s_server` for TLS).
struct HTTPClientTests {
    @Test func getReturnsStatusAndBodyAndSendsOurHeaders() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        let client = HTTPClient()
        let response = try await client.send(HTTPRequest(
            url: "http://127.0.0.1:\(server.port)/probe?x=1", headers: [("X-Hookd-Test", "yes")], timeoutSeconds: 5))
        #expect(response.statusCode == 201)
        #expect(response.body == Array("hello".utf8))
        #expect(response.totalSeconds > 0)
        #expect(response.certificateExpiresAt == nil)
        let request = try #require(server.requests.first)
        #expect(request.requestLine == "GET /probe?x=1 HTTP/1.1")
        #expect(request.hasHeader("X-Hookd-Test", "yes"))
        #expect(request.hasHeader("User-Agent", "hookd/0.1.0"))
        await client.shutdown()
    }

    @Test func postBodyArrivesIntact() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        let client = HTTPClient()
        // Binary, with NUL bytes, and larger than curl's "Expect: 100-continue" threshold.
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let response = try await client.send(HTTPRequest(
            method: "POST", url: "http://127.0.0.1:\(server.port)/hook",
            headers: [("Content-Type", "application/octet-stream")], body: body, timeoutSeconds: 5))
        #expect(response.statusCode == 204)
        let request = try #require(server.requests.first)
        #expect(request.requestLine == "POST /hook HTTP/1.1")
        #expect(request.body == body)
        await client.shutdown()
    }

    @Test func responseHeadersAreReadableCaseInsensitively() async throws {
        let server = try LocalHTTPServer(respond:
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nx-request-id: abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let client = HTTPClient()
        let response = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 5))
        #expect(response.statusCode == 429)
        #expect(response.header(named: "retry-after") == "120")
        #expect(response.header(named: "RETRY-AFTER") == "120")
        #expect(response.header(named: "X-Request-ID") == "abc")
        #expect(response.header(named: "Location") == nil)
        await client.shutdown()
    }

    @Test func onlyTheFinalResponsesHeadersAreKept() async throws {
        let server = try LocalHTTPServer { request in
            request.requestLine.hasPrefix("GET /old ")
                ? .respond("HTTP/1.1 302 Found\r\nLocation: /new\r\nX-Hop: first\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                : .respond("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\nHTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        }
        let client = HTTPClient()
        let followed = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/old", timeoutSeconds: 5, followRedirects: true))
        #expect(followed.statusCode == 200)
        #expect(followed.body == Array("ok".utf8))
        #expect(followed.header(named: "X-Final") == "yes")
        #expect(followed.header(named: "X-Hop") == nil)
        #expect(followed.header(named: "X-Interim") == nil)
        let notFollowed = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/old", timeoutSeconds: 5))
        #expect(notFollowed.statusCode == 302)
        #expect(notFollowed.header(named: "location") == "/new")
        await client.shutdown()
    }

    @Test func fiftyDelayedRequestsRunConcurrently() async throws {
        let server = try LocalHTTPServer(
            respond: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", afterSeconds: 0.2)
        let client = HTTPClient()
        let started = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/\(index)", timeoutSeconds: 10)).statusCode
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        #expect(statuses.count == 50)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(elapsed < .seconds(3), "50 × 200 ms sequentially would be 10 s; took \(elapsed)")
        await client.shutdown()
    }

    @Test func maxConcurrentTransfersLimitsOpenConnections() async throws {
        let server = try LocalHTTPServer(
            respond: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", afterSeconds: 0.2)
        let client = HTTPClient(configuration: .init(maxConcurrentTransfers: 2))
        let started = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/\(index)", timeoutSeconds: 10)).statusCode
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        // Two at a time: three rounds of 200 ms at least.
        #expect(ContinuousClock.now - started >= .milliseconds(550))
        await client.shutdown()
    }

    @Test func headReturnsStatusAndHeadersWithoutWaitingForABody() async throws {
        let server = try LocalHTTPServer(respond: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: \"v1\"\r\n\r\n")
        let client = HTTPClient()
        let response = try await client.send(HTTPRequest(method: "HEAD", url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 5))
        #expect(response.statusCode == 200)
        #expect(response.body.isEmpty)
        #expect(response.header(named: "etag") == "\"v1\"")
        #expect(server.requests.first?.requestLine == "HEAD / HTTP/1.1")
        await client.shutdown()
    }

    @Test func aRequestTimeoutFailsWithinAboutTheTimeout() async throws {
        let server = try LocalHTTPServer { _ in .hang }
        let client = HTTPClient()
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/slow", timeoutSeconds: 0.5))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.curlCode == 28)
        #expect(error?.message.contains("timed out") == true, "\(String(describing: error))")
        await client.shutdown()
    }

    @Test func aClosedPortIsCurlCode7() async throws {
        let port = try OneShotHTTPServer.unusedPort()
        let client = HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/", timeoutSeconds: 5))
        }
        #expect(error?.curlCode == 7)
        #expect(error?.message.contains("Couldn't connect") == true || error?.message.contains("Failed to connect") == true)
        await client.shutdown()
    }

    @Test func errorsNeverContainTheQueryOrUserinfo() async throws {
        let port = try OneShotHTTPServer.unusedPort()
        let client = HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(
                method: "POST", url: "http://alice:hunter2@127.0.0.1:\(port)/hooks/x?token=s3cret#frag", timeoutSeconds: 5))
        }
        let text = String(describing: error)
        #expect(error?.target == "POST http://127.0.0.1:\(port)/hooks/x")
        for secret in ["hunter2", "alice", "s3cret", "token", "frag"] {
            #expect(!text.contains(secret), "\(text)")
        }
        await client.shutdown()
    }

    @Test(arguments: [
        ("https://user:pw@example.com:8443/a/b?token=1#x", "https://example.com:8443/a/b"),
        ("http://example.com", "http://example.com"),
        ("http://example.com?key=1", "http://example.com"),
        ("http://a@b@example.com/p", "http://example.com/p"),
        ("not a url?secret", "not a url"),
    ])
    func redactionKeepsSchemeHostAndPathOnly(url: String, expected: String) {
        #expect(URLRedaction.redacted(url) == expected)
    }

    @Test func cancellingTheAwaitingTaskThrowsPromptlyAndDropsTheConnection() async throws {
        let server = try LocalHTTPServer { _ in .hang }
        let client = HTTPClient()
        let task = Task {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/hang", timeoutSeconds: 30))
        }
        #expect(await server.eventually(within: 5) { $0.requests.count == 1 })
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - cancelledAt < .seconds(1))
        #expect(throws: HTTPError.cancelled) { try result.get() }
        #expect(await server.eventually(within: 3) { $0.connectionsClosedByClient == 1 })
        await client.shutdown()
    }

    @Test func aTaskCancelledBeforeSendingFailsWithoutATransfer() async throws {
        let server = try LocalHTTPServer { _ in .hang }
        let client = HTTPClient()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 30))
        }
        await #expect(throws: HTTPError.cancelled) { try await task.value }
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.requests.isEmpty)
        await client.shutdown()
    }

    @Test func shutdownFailsPendingAndLaterRequests() async throws {
        let server = try LocalHTTPServer { _ in .hang }
        let client = HTTPClient()
        let pending = Task {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/hang", timeoutSeconds: 30))
        }
        #expect(await server.eventually(within: 5) { $0.requests.count == 1 })
        await client.shutdown()
        await #expect(throws: HTTPError.shutDown) { try await pending.value }
        await #expect(throws: HTTPError.shutDown) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", timeoutSeconds: 5))
        }
        await client.shutdown()
    }

    @Test func httpsRejectsAnUntrustedCertificateAndAcceptsItsCA() async throws {
        let server = try TLSTestServer()
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/"

        let strict = HTTPClient()
        let error = await #expect(throws: HTTPError.self) {
            _ = try await strict.send(HTTPRequest(url: url, timeoutSeconds: 10))
        }
        #expect(error?.curlCode == 60)
        #expect(error?.message.contains("certificate") == true, "\(String(describing: error))")
        await strict.shutdown()

        let trusting = HTTPClient(configuration: .init(caFile: server.caFile))
        let response = try await trusting.send(HTTPRequest(url: url, timeoutSeconds: 10))
        #expect(response.statusCode == 200)
        #expect(response.certificateExpiresAt?.hasSuffix("GMT") == true, "\(String(describing: response.certificateExpiresAt))")
        await trusting.shutdown()
    }
}
