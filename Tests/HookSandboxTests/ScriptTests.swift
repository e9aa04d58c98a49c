import Foundation
import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// A capture endpoint answers by its script; setting a script starts its sequence over.
@Suite struct ScriptTests {
    @Test func statusSequenceIsAnsweredInTurnAndItsLastStatusRepeats() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            #expect(try await client.setScript("stripe", #"{"statuses": [503, 503, 200]}"#).status == .ok)
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await client.send("/in/stripe").status.code) }
            #expect(statuses == [503, 503, 200, 200, 200])
            let answered = try await client.captures().compactMap { $0["status"]?.integerValue }
            #expect(answered == [200, 200, 200, 503, 503])
        }
    }

    @Test func settingAScriptResetsTheSequence() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("github", #"{"statuses": [500, 201]}"#)
            #expect(try await client.send("/in/github").status.code == 500)
            #expect(try await client.send("/in/github").status.code == 201)
            try await client.setScript("github", #"{"statuses": [500, 201]}"#)
            #expect(try await client.send("/in/github").status.code == 500)
        }
    }

    @Test func failFirstAnswersTheFailStatusThenTheStatuses() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("shop", #"{"fail_first": 2, "fail_status": 502, "statuses": [202]}"#)
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await client.send("/in/shop/orders").status.code) }
            #expect(statuses == [502, 502, 202, 202])
        }
    }

    @Test func retryAfterHeadersAndBodyAreSent() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("slow", #"{"statuses": [429], "retry_after": 5, "headers": {"X-Sandbox": "yes"}, "body": "busy"}"#)
            let response = try await client.send("/in/slow")
            #expect(response.status.code == 429)
            #expect(response.headers[.retryAfter] == "5")
            #expect(response.headers[HTTPFields.Element.Name("X-Sandbox")!] == "yes")
            #expect(response.text == "busy")
        }
    }

    @Test func anEndpointWithoutAScriptAnswers200OkTrue() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.send("/in/anything/at/all")
            #expect(response.status == .ok)
            #expect(response.json == ["ok": true])
            #expect(response.headers[.retryAfter] == nil)
        }
    }

    @Test func fixedLatencyDelaysTheAnswerAndIsRecorded() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("lag", #"{"latency_ms": 300}"#)
            let started = ContinuousClock.now
            #expect(try await client.send("/in/lag").status == .ok)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(try await client.captures().first?["latency_ms"] == 300)
        }
    }

    @Test func randomLatencyStaysWithinItsRange() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("jitter", #"{"latency_ms": {"min": 10, "max": 40}}"#)
            for _ in 0..<3 { _ = try await client.send("/in/jitter") }
            let latencies = try await client.captures().compactMap { $0["latency_ms"]?.integerValue }
            #expect(latencies.count == 3)
            #expect(latencies.allSatisfy { (10...40).contains($0) })
        }
    }

    @Test func closeDropsTheConnectionWithoutAReplyAndIsCaptured() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.live) { client in
            try await client.setScript("broken", #"{"close": true}"#)
            let port = try #require(client.port)
            let (bytes, closed) = try await onThread {
                let socket = try LoopbackSocket(port: port)
                try socket.write("POST /in/broken HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
                return socket.read(timeoutSeconds: 10)
            }
            #expect(closed)
            #expect(bytes.isEmpty, "expected no reply, got \(String(decoding: bytes, as: UTF8.self))")
            let capture = try await client.captures("?endpoint=broken").first
            #expect(capture?["outcome"] == "closed")
            #expect(capture?["status"] == .null)
        }
    }

    @Test func hangHoldsTheRequestUntilShutdown() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.live) { client in
            try await client.setScript("stuck", #"{"hang": true}"#)
            let port = try #require(client.port)
            let sandbox = fixture.sandbox
            let (bytes, closed) = try await onThread {
                let socket = try LoopbackSocket(port: port)
                try socket.write("POST /in/stuck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                let early = socket.read(timeoutSeconds: 1)
                guard early.bytes.isEmpty, !early.closed else { return early }
                sandbox.stop()
                return socket.read(timeoutSeconds: 10)
            }
            #expect(bytes.isEmpty, "a hung request must get no reply")
            #expect(closed, "stopping the sandbox must release the hung request")
        }
    }
}
