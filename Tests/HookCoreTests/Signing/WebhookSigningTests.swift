import HookCore
import HookJSON
import Testing

/// A webhook's `signing` field: its scheme, the credential naming its secret, generic's settings;
/// every refusal names the key.
struct WebhookSigningTests {
    func object(_ text: String) throws -> JSONObject {
        try #require(try JSONValue.parse(text).objectValue, "test input is not a JSON object: \(text)")
    }

    @Test func readsEachSchemeAndShowsItBack() throws {
        for scheme in ["standard_webhooks", "stripe", "github", "slack", "shopify"] {
            let text = #"{"scheme": ""# + scheme + #"", "credential": {"source": "infisical", "ref": "WEBHOOK_ORDERS_SIGNING"}}"#
            let signing = try WebhookSigning(json: object(text))
            #expect(signing.scheme.rawValue == scheme)
            #expect(signing.source == .infisical && signing.reference == "WEBHOOK_ORDERS_SIGNING" && signing.generic == nil)
            #expect(signing.json == (try JSONValue.parse(text)))
            #expect(try WebhookSigning(json: #require(signing.json.objectValue)) == signing, "what a definition shows reads back the same")
        }
    }

    @Test func genericCarriesItsSettings() throws {
        let signing = try WebhookSigning(json: object(#"{"scheme": "generic", "credential": {"source": "env", "ref": "HOOKD_SIGNING_ORDERS"}, "generic": {"header": "X-Signature", "prefix": "sha256="}}"#))
        #expect(signing.generic?.header == "X-Signature")
        #expect(signing.generic?.prefix == "sha256=")
    }

    @Test(arguments: [
        (#"{"credential": {"source": "env", "ref": "X"}}"#, "signing.scheme"),
        (#"{"scheme": "twilio", "credential": {"source": "env", "ref": "X"}}"#, "signing.scheme"),
        (#"{"scheme": "hmac256", "credential": {"source": "env", "ref": "X"}}"#, "signing.scheme"),
        (#"{"scheme": "github"}"#, "signing.credential"),
        (#"{"scheme": "github", "credential": "X"}"#, "signing.credential"),
        (#"{"scheme": "github", "credential": {"source": "database", "ref": "X"}}"#, "signing.credential.source"),
        (#"{"scheme": "github", "credential": {"source": "vault", "ref": "X"}}"#, "signing.credential.source"),
        (#"{"scheme": "github", "credential": {"source": "env"}}"#, "signing.credential.ref"),
        (#"{"scheme": "github", "credential": {"source": "env", "ref": ""}}"#, "signing.credential.ref"),
        (#"{"scheme": "github", "credential": {"source": "env", "ref": "X", "value": "fake_value_1"}}"#, "signing.credential.value"),
        (#"{"scheme": "github", "credential": {"source": "env", "ref": "X"}, "generic": {"header": "X-Sig"}}"#, "signing.generic"),
        (#"{"scheme": "generic", "credential": {"source": "env", "ref": "X"}}"#, "signing.generic"),
        (#"{"scheme": "generic", "credential": {"source": "env", "ref": "X"}, "generic": {"prefix": "v1="}}"#, "signing.generic.header"),
        (#"{"scheme": "github", "credential": {"source": "env", "ref": "X"}, "secret": "fake_value_1"}"#, "signing.secret"),
    ])
    func refusesNamingTheKey(text: String, field: String) throws {
        let definition = try object(text)
        do throws(WebhookValidationError) {
            _ = try WebhookSigning(json: definition)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.field == field, "\(text): \(error)")
            #expect(!error.description.contains("fake_value_1"))
        }
    }
}
