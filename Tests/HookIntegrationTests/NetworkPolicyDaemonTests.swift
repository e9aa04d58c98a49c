import Foundation
import HookClient
import HookJSON
import HookRPC
import HookTestSupport
import Testing

/// Issue 10 item 11: calls that carry a webhook credential reach no loopback, private,
/// link-local, multicast or unspecified address outside `network.allow`, and send no credential
/// over plain http:// unless the webhook allows it. Only loopback targets are used here: other
/// address classes are covered by the policy's unit tests (HookCoreTests/NetworkPolicyTests).
struct NetworkPolicyDaemonTests {
    static let bearer = "tok_fake_network_policy_61a2"

    private func validate(_ client: HookClient, _ code: String) throws -> JSONValue {
        try client.call("validate.one", params: ["code": .string(code)])
    }

    /// Without `network.allow`, every spelling of a loopback target is refused before a
    /// connection is opened, whatever the auth type, and the result says why.
    @Test func loopbackTargetsAreRefusedUnlessAllowed() throws {
        let endpoints = try ValidationTests.Endpoints()
        let daemon = try DaemonProcess()
        let client = daemon.client()
        let port = endpoints.fixture.port
        let targets = [
            ("PLAIN", "\(endpoints.https)/status/200", "bearer"),
            ("NAMED", "https://localhost:\(endpoints.tlsPort)/status/200", "bearer"),  // judged after DNS
            ("HEX", "http://0x7f.1:\(port)/status/200", "none"),
            ("SHORT", "http://127.1:\(port)/status/200", "none"),
            ("MAPPED", "http://[::ffff:127.0.0.1]:\(port)/status/200", "none"),
        ]
        for (code, url, authType) in targets {
            var definition: JSONObject = ["code": .string(code), "url": .string(url), "auth_type": .string(authType)]
            if authType != "none" { definition["credential"] = ["source": "database", "value": .string(Self.bearer)] }
            _ = try client.upsertWebhook(definition)
            let result = try validate(client, code)
            #expect(result["status"] == "ERROR", "\(code): \(result.compactText)")
            #expect(result["reason"] == "blocked_address", "\(code): \(result.compactText)")
            #expect(result["message"]?.stringValue?.contains("network.allow") == true, "\(code): \(result.compactText)")
        }
        #expect(endpoints.requests().isEmpty, "no request reached the fixture: \(endpoints.requests())")
        #expect(!daemon.child.output.contains(Self.bearer))
    }

    /// `network.allow` opens exactly the listed block; the same webhooks then validate.
    @Test func anAllowedBlockIsReachable() throws {
        let endpoints = try ValidationTests.Endpoints()
        let daemon = try DaemonProcess(configuration: "network:\n  allow: [\"127.0.0.0/8\"]\n")
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "HEX", "url": .string("http://0x7f.1:\(endpoints.fixture.port)/status/200"), "auth_type": "none"])
        #expect(try validate(client, "HEX")["status"] == "VALID")
        // ::1 is loopback too, but not in 127.0.0.0/8.
        _ = try client.upsertWebhook(["code": "SIX", "url": .string("http://[::1]:\(endpoints.fixture.port)/status/200"), "auth_type": "none"])
        #expect(try validate(client, "SIX")["reason"] == "blocked_address")
        #expect(endpoints.requests().count == 1)
    }

    /// A credential never travels over plain http:// unless the webhook says so.
    @Test func aCredentialGoesOverPlainHTTPOnlyWhenTheWebhookAllowsIt() throws {
        let endpoints = try ValidationTests.Endpoints()
        try endpoints.expect("bearer", ["bearer": .string(Self.bearer)])
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        var definition: JSONObject = ["code": "CLEAR", "url": .string("\(endpoints.http)/protected/bearer"), "auth_type": "bearer",
                                      "credential": ["source": "database", "value": .string(Self.bearer)]]
        _ = try client.upsertWebhook(definition)
        #expect(try client.call("webhook.get", params: ["code": "CLEAR"])["allow_insecure_http"] == false)
        let refused = try validate(client, "CLEAR")
        #expect(refused["status"] == "ERROR")
        #expect(refused["reason"] == "insecure_http", "\(refused.compactText)")
        #expect(endpoints.requests().isEmpty, "the credential was not sent")

        definition["allow_insecure_http"] = true
        _ = try client.upsertWebhook(definition)
        #expect(try client.call("webhook.get", params: ["code": "CLEAR"])["allow_insecure_http"] == true)
        #expect(try validate(client, "CLEAR")["status"] == "VALID")
        #expect(endpoints.requests().count == 1)
    }

    /// An OAuth2 token URL comes from the webhook's credential, so it is judged the same way:
    /// the client secret goes to no blocked address and over no unallowed plain http.
    @Test func anOAuth2TokenURLIsCoveredByThePolicy() throws {
        let endpoints = try ValidationTests.Endpoints()
        try HTTPControl.call("PUT", "\(endpoints.http)/__test__/token/policy",
                             bytes: Array(#"{"access_token":"tok-policy","token_type":"Bearer","expires_in":3600}"#.utf8))
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_OAUTH"] = #"{"token_url":"\#(endpoints.http)/token/policy","client_id":"cid","client_secret":"cs-policy-secret"}"#
        let oauth: JSONObject = ["code": "OAUTH", "url": "https://api.example.test", "auth_type": "oauth2_client_credentials",
                                 "credential": ["source": "env", "ref": "HOOKD_CRED_OAUTH"]]
        var oauthOverHTTP = oauth
        oauthOverHTTP["allow_insecure_http"] = true

        let blocking = try DaemonProcess(environment: environment)
        _ = try blocking.client().upsertWebhook(oauthOverHTTP)
        let blocked = try #require(CredentialReferenceTests.refusal { try blocking.client().credential(code: "OAUTH") })
        #expect(blocked.code == -32005, "credential_unavailable: \(blocked.message)")
        #expect(blocked.message.contains("blocked address 127.0.0.1"), "\(blocked.message)")
        let result = try validate(blocking.client(), "OAUTH")
        #expect(result["status"] == "ERROR" && result["reason"] == "blocked_address", "\(result.compactText)")

        let allowing = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed, environment: environment)
        _ = try allowing.client().upsertWebhook(oauth)
        let cleartext = try #require(CredentialReferenceTests.refusal { try allowing.client().credential(code: "OAUTH") })
        #expect(cleartext.message.contains("allow_insecure_http"), "\(cleartext.message)")
        #expect(endpoints.requests().isEmpty, "the client secret went nowhere")

        _ = try allowing.client().upsertWebhook(oauthOverHTTP)
        #expect(try allowing.client().credential(code: "OAUTH")["credential"]?["access_token"] == "tok-policy")
        for daemon in [blocking, allowing] { #expect(!daemon.child.output.contains("cs-policy-secret")) }
    }

    @Test(arguments: ["[\"10.0.0.0/33\"]", "[\"intranet\"]", "[\"10.0.0.0/8/8\"]", "{cidr: 10.0.0.0/8}"])
    func aMalformedAllowListStopsTheStart(allow: String) throws {
        let check = try TestEnvironment.checkConfiguration("network:\n  allow: \(allow)\n")
        #expect(check.status == 78)
        #expect(check.output.contains("network.allow"), "\(check.output)")
    }
}
