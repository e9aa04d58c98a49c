import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// A bad script is refused with the field named; nothing changes.
@Suite struct ScriptValidationTests {
    @Test(arguments: [
        (#"{"statuses": [503, 99]}"#, "statuses[1]"),
        (#"{"statuses": "503"}"#, "statuses"),
        (#"{"latency_ms": -1}"#, "latency_ms"),
        (#"{"latency_ms": {"min": 50, "max": 10}}"#, "latency_ms.max"),
        (#"{"latency_ms": {"min": 5}}"#, "latency_ms"),
        (#"{"fail_first": 1.5}"#, "fail_first"),
        (#"{"hang": "yes"}"#, "hang"),
        (#"{"hang": true, "close": true}"#, "close"),
        (#"{"retry_after": -5}"#, "retry_after"),
        (#"{"headers": {"Bad Name": "x"}}"#, "headers.Bad Name"),
        (#"{"headers": {"X-Split": "a\r\nb"}}"#, "headers.X-Split"),
        (#"{"body": 5}"#, "body"),
        (#"{"status": 200}"#, "status"),
        (#"[200]"#, ""),
    ])
    func aBadScriptIsRefusedNamingTheField(script: String, field: String) async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.setScript("hooks", script)
            #expect(response.status == .badRequest)
            #expect(response.json["error"]?["field"]?.stringValue == field)
            #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false)
            // The endpoint still answers the default.
            #expect(try await client.send("/in/hooks").status == .ok)
        }
    }

    @Test(arguments: [
        (#"{"scheme": "paypal"}"#, "scheme"),
        (#"{"scheme": "generic"}"#, "scheme"),
        (#"{"scheme": 1}"#, "scheme"),
        (#"{"secret": "gh_fake_secret_0123456789"}"#, "secret"),
        (#"{"scheme": "github", "secret": "gh_fake_short"}"#, "secret"),
        (#"{"scheme": "github", "secret": "gh_fake secret 0123456789"}"#, "secret"),
        (#"{"scheme": "stripe", "secret": "sk_fake_no_whsec_prefix"}"#, "secret"),
        (#"{"scheme": "standard_webhooks", "secret": "whsec_fake!!notbase64"}"#, "secret"),
        (#"{"scheme": "slack", "secret": "fake_not_32_hex_digits_at_all_xx"}"#, "secret"),
        (#"{"scheme": "twilio", "secret": 12345678}"#, "secret"),
        (#"{"scheme": "github", "secret": ""}"#, "secret"),
        (#"{"scheme": "github", "secret": "***MASKED***"}"#, "secret"),
    ])
    func aBadSchemeOrSecretIsRefusedNamingTheFieldWithoutQuotingTheSecret(script: String, field: String) async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.setScript("signed", script)
            #expect(response.status == .badRequest)
            #expect(response.json["error"]?["field"]?.stringValue == field)
            let message = try #require(response.json["error"]?["message"]?.stringValue)
            for secret in ["gh_fake_secret_0123456789", "gh_fake_short", "gh_fake secret", "sk_fake", "whsec_fake!!", "fake_not_32", "12345678"] {
                #expect(!message.contains(secret), "the message quotes the secret: \(message)")
            }
            #expect(try await client.execute(uri: "/api/endpoints", method: .get).json["endpoints"] == [], "nothing was set")
        }
    }

    @Test(arguments: [
        ("stripe", "whsec_fake_sandbox_0123456789"),
        ("github", "gh_fake_sandbox_0123456789"),
        ("slack", "0000fa4e0000fa4e0000fa4e0000fa4e"),
        ("shopify", "shpss_fake_sandbox_0123456789"),
        ("twilio", "0000fa4e0000fa4e0000fa4e0000fa4e"),
        ("standard_webhooks", "whsec_ZmFrZS1zYW5kYm94LWtleS0wMTIzNDU2Nzg5YWI="),
    ])
    func eachSchemeTakesASecretInItsProvidersForm(scheme: String, secret: String) async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.setScript("signed", #"{"scheme": "\#(scheme)", "secret": "\#(secret)"}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["script"] == ["scheme": .string(scheme), "secret": "***MASKED***"])
        }
    }

    @Test func aBodyThatIsNotJSONIsRefused() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.setScript("hooks", "statuses: [1]")
            #expect(response.status == .badRequest)
        }
    }

    @Test func aValidScriptIsEchoedInItsCanonicalForm() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.setScript("hooks", #"{"statuses": [503, 200], "code": "STRIPE_IN", "latency_ms": {"min": 1, "max": 2}}"#)
            #expect(response.status == .ok)
            #expect(response.json["script"] == ["statuses": [503, 200], "latency_ms": ["min": 1, "max": 2], "code": "STRIPE_IN"])
        }
    }

    @Test func aScriptsFileInYAMLIsReadWithItsEndpointsAndErrorsNameTheEndpoint() throws {
        let scripts = try SandboxScriptFile.parse("""
            stripe:
              statuses: [503, 503, 200]
              retry_after: 5
            github: {"close": true}
            """, path: "scripts.yaml")
        #expect(scripts.map(\.endpoint) == ["stripe", "github"])
        #expect(scripts.first?.script.statuses == [503, 503, 200])
        #expect(scripts.first?.script.retryAfter == 5)
        #expect(scripts.last?.script.close == true)

        #expect(throws: SandboxScriptFile.LoadError.self) { try SandboxScriptFile.parse("slack:\n  fail_first: many\n", path: "s.yaml") }
        do {
            _ = try SandboxScriptFile.parse("slack:\n  fail_first: many\n", path: "s.yaml")
        } catch {
            #expect(error.description.contains("slack"))
            #expect(error.description.contains("fail_first"))
        }
    }
}
