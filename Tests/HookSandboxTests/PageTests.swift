import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// The inbox page is rendered on the server; headers are masked as in hookd's logs.
@Suite struct PageTests {
    @Test func theInboxListsCapturesNewestFirstWithTheirAnswers() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("stripe", #"{"statuses": [503, 200]}"#)
            _ = try await client.send("/in/stripe/first")
            _ = try await client.send("/in/stripe/second")
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = page.text
            #expect(html.contains("<table id=\"endpoints\">"))
            let second = try #require(html.range(of: "/in/stripe/second"))
            let first = try #require(html.range(of: "/in/stripe/first"))
            #expect(second.lowerBound < first.lowerBound, "newest first")
            #expect(html.contains("<td>503</td>"))
            #expect(html.contains("<td>200</td>"))
            #expect(html.contains("new EventSource('/api/events')"))
            #expect(!html.contains("src=\"http"), "no external assets")
        }
    }

    @Test func theDetailPageMasksTheAuthorizationHeaderAndShowsTheBody() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            _ = try await client.send(
                "/in/github", body: #"{"action":"opened","number":7}"#,
                headers: [.authorization: "Bearer tok_fake_1234567890", .contentType: "application/json", HTTPFields.Element.Name("X-GitHub-Event")!: "push"])
            let inbox = try await client.execute(uri: "/", method: .get).text
            #expect(inbox.contains("/captures/1"))
            #expect(!inbox.contains("tok_fake_1234567890"))
            let detail = try await client.execute(uri: "/captures/1", method: .get).text
            #expect(!detail.contains("tok_fake_1234567890"), "the Authorization header must be masked")
            #expect(detail.contains("***MASKED***"))
            #expect(detail.contains("push"), "other headers keep their values")
            #expect(detail.contains("&quot;number&quot;: 7") || detail.contains("&quot;number&quot;:7"))
            #expect(detail.contains("<pre id=\"body-raw\">{&quot;action&quot;:&quot;opened&quot;,&quot;number&quot;:7}</pre>"))
            // The API still has it raw, for replay.
            #expect(try await client.captures().first?["headers"]?["Authorization"] == "Bearer tok_fake_1234567890")
        }
    }

    @Test func aSecretInTheQueryIsMaskedOnTheDetailPage() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            _ = try await client.send("/in/hooks?token=tok_fake_query_secret&page=2")
            let detail = try await client.execute(uri: "/captures/1", method: .get).text
            #expect(!detail.contains("tok_fake_query_secret"))
            #expect(detail.contains("page=2"))
        }
    }

    @Test func textFromTheRequestIsEscaped() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            _ = try await client.send("/in/x", body: "<script>alert(1)</script>", headers: [.contentType: "text/plain"])
            let detail = try await client.execute(uri: "/captures/1", method: .get).text
            #expect(!detail.contains("<script>alert(1)</script>"))
            #expect(detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }
}
