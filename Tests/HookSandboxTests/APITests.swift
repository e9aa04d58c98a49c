import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// `/api/captures` filters by endpoint, `since` and `limit`, newest first; `/api/endpoints` lists.
@Suite struct APITests {
    @Test func capturesFilterByEndpointSinceAndLimitNewestFirst() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for endpoint in ["a", "b", "a", "b", "a"] { _ = try await client.send("/in/\(endpoint)") }
            #expect(try await client.captures().compactMap { $0["id"]?.integerValue } == [5, 4, 3, 2, 1])
            #expect(try await client.captures("?endpoint=a").compactMap { $0["id"]?.integerValue } == [5, 3, 1])
            #expect(try await client.captures("?since=3").compactMap { $0["id"]?.integerValue } == [5, 4])
            #expect(try await client.captures("?endpoint=b&since=2").compactMap { $0["id"]?.integerValue } == [4])
            #expect(try await client.captures("?limit=2").compactMap { $0["id"]?.integerValue } == [5, 4])
        }
    }

    @Test func theDefaultLimitIs50() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for _ in 0..<55 { _ = try await client.send("/in/many") }
            #expect(try await client.captures().count == 50)
            #expect(try await client.captures("?limit=1000").count == 55)
        }
    }

    @Test(arguments: ["?limit=0", "?limit=1001", "?limit=ten", "?since=-1", "?since=x"])
    func aBadFilterIsRefused(query: String) async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/captures" + query, method: .get)
            #expect(response.status == .badRequest)
            #expect(response.json["error"]?["field"]?.stringValue == (query.hasPrefix("?limit") ? "limit" : "since"))
        }
    }

    @Test func endpointsListScriptsAndCaptureCounts() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("scripted", #"{"statuses": [500]}"#)
            _ = try await client.send("/in/plain")
            _ = try await client.send("/in/plain")
            let endpoints = try await client.execute(uri: "/api/endpoints", method: .get).json["endpoints"]
            #expect(endpoints == [
                ["name": "plain", "script": .null, "captures": 2],
                ["name": "scripted", "script": ["statuses": [500]], "captures": 0],
            ])
        }
    }

    @Test func anUnknownCaptureIs404() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/captures/42", method: .get)
            #expect(response.status == .notFound)
        }
    }
}
