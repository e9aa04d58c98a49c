import HookCore
import HookJSON
import Testing

@Suite("WebhookDefinition")
struct WebhookDefinitionTests {
    /// The smallest acceptable definition; tests change one thing at a time.
    static let minimal: JSONObject = ["code": "STRIPE_PAYMENT", "auth_type": "bearer", "url": "https://api.example.com/hook"]

    static func definition(setting changes: JSONObject = [:], removing removed: [String] = []) -> JSONObject {
        var object = minimal
        for member in changes { object[member.key] = member.value }
        for key in removed { object[key] = nil }
        return object
    }

    static func key(_ code: String, _ direction: WebhookDirection = .outbound) throws -> WebhookKey {
        try WebhookKey(code: code, direction: direction)
    }

    // MARK: - Defaults

    @Test("a minimal definition is an outbound HTTP POST to its URL")
    func minimalDefinitionDefaults() throws {
        let webhook = try WebhookDefinition(json: Self.minimal).webhook
        #expect(webhook.key == (try Self.key("STRIPE_PAYMENT")))
        #expect(webhook.type == .http)
        #expect(webhook.method == "POST")
        #expect(webhook.url == "https://api.example.com/hook")
    }

    @Test("a minimal definition reads its credential from Infisical under the default name")
    func minimalDefinitionCredentialDefaults() throws {
        let webhook = try WebhookDefinition(json: Self.minimal).webhook
        #expect(webhook.credentialSource == .infisical)
        #expect(webhook.credentialReference == "WEBHOOK_STRIPE_PAYMENT_OUT")
    }

    @Test("a minimal definition is enabled, with a 10 s timeout, no headers and no description")
    func minimalDefinitionOtherDefaults() throws {
        let definition = try WebhookDefinition(json: Self.minimal)
        #expect(definition.webhook.timeoutSeconds == 10)
        #expect(definition.webhook.enabled)
        #expect(definition.webhook.headers.isEmpty)
        #expect(definition.webhook.description == "")
        #expect(definition.legacyCredentialValue == nil)
    }

    @Test("the method is accepted in any case and stored in upper case")
    func methodIsUppercased() throws {
        let webhook = try WebhookDefinition(json: Self.definition(setting: ["method": "put"])).webhook
        #expect(webhook.method == "PUT")
    }

    @Test("a SERVICE webhook needs no URL")
    func serviceWebhookNeedsNoURL() throws {
        let webhook = try WebhookDefinition(json: Self.definition(setting: ["type": "SERVICE"], removing: ["url"])).webhook
        #expect(webhook.type == .service)
        #expect(webhook.url == nil)
    }

    @Test("an @ after the host is not user info")
    func atSignAfterHostIsAccepted() throws {
        let url = "https://api.example.com/hooks/a@b?email=x@y"
        #expect(try WebhookDefinition(json: Self.definition(setting: ["url": .string(url)])).webhook.url == url)
    }

    @Test("an exported webhook's created_at and updated_at are accepted")
    func exportedTimesAreAccepted() throws {
        let object = Self.definition(setting: ["created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"])
        #expect(throws: Never.self) { _ = try WebhookDefinition(json: object) }
    }

    @Test(
        "the default credential name depends on the source",
        arguments: [
            (CredentialSourceKind.infisical, WebhookDirection.outbound, "WEBHOOK_STRIPE_PAYMENT_OUT" as String?),
            (.infisical, .inbound, "WEBHOOK_STRIPE_PAYMENT_IN"),
            (.env, .outbound, "HOOKD_CRED_STRIPE_PAYMENT_OUT"),
            (.file, .outbound, "webhook-stripe_payment-out"),
            (.file, .inbound, "webhook-stripe_payment-in"),
            (.database, .outbound, nil),
        ])
    func defaultReference(source: CredentialSourceKind, direction: WebhookDirection, expected: String?) throws {
        #expect(Webhook.defaultReference(for: try Self.key("STRIPE_PAYMENT", direction), in: source) == expected)
    }

    @Test("a definition without credential.ref gets its source's default name")
    func definitionUsesDefaultReferenceOfItsSource() throws {
        let object = Self.definition(setting: ["direction": "IN", "credential": ["source": "env"]])
        #expect(try WebhookDefinition(json: object).webhook.credentialReference == "HOOKD_CRED_STRIPE_PAYMENT_IN")
    }

    @Test("an explicit credential.ref replaces the default name")
    func explicitReferenceWins() throws {
        let object = Self.definition(setting: ["credential": ["source": "file", "ref": "stripe.key"]])
        #expect(try WebhookDefinition(json: object).webhook.credentialReference == "stripe.key")
    }

    // MARK: - Refusals

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var changes: JSONObject = [:]
        var removed: [String] = []
        var field: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "lower-case code", changes: ["code": "stripe_payment"], field: "code"),
        Refusal(name: "code with a dash", changes: ["code": "STRIPE-PAYMENT"], field: "code"),
        Refusal(name: "code of 65 characters", changes: ["code": .string(String(repeating: "A", count: 65))], field: "code"),
        Refusal(name: "missing code", removed: ["code"], field: "code"),
        Refusal(name: "unknown direction", changes: ["direction": "SIDEWAYS"], field: "direction"),
        Refusal(name: "unknown type", changes: ["type": "SMTP"], field: "type"),
        Refusal(name: "missing auth_type", removed: ["auth_type"], field: "auth_type"),
        Refusal(name: "unknown auth_type", changes: ["auth_type": "digest"], field: "auth_type"),
        Refusal(name: "missing url for HTTP", removed: ["url"], field: "url"),
        Refusal(name: "empty url for HTTP", changes: ["url": ""], field: "url"),
        Refusal(name: "non-http url", changes: ["url": "ftp://files.example.com/hook"], field: "url"),
        Refusal(name: "url with user:password@", changes: ["url": "https://ops:hunter2@api.example.com/hook"], field: "url"),
        Refusal(name: "url of a SERVICE webhook with user info", changes: ["type": "SERVICE", "url": "https://u:p@x.example"], field: "url"),
        Refusal(name: "unknown method", changes: ["method": "FETCH"], field: "method"),
        Refusal(name: "unknown top-level field", changes: ["timeout": 5], field: "timeout"),
        Refusal(name: "unknown credential source", changes: ["credential": ["source": "vault"]], field: "credential.source"),
        Refusal(name: "unknown credential member", changes: ["credential": ["source": "env", "secret": "x"]], field: "credential.secret"),
        Refusal(name: "credential that is not an object", changes: ["credential": "WEBHOOK_X"], field: "credential"),
        Refusal(name: "credential.value with source infisical", changes: ["credential": ["value": "tok"]], field: "credential.value"),
        Refusal(name: "credential.value with source env", changes: ["credential": ["source": "env", "value": "tok"]], field: "credential.value"),
        Refusal(name: "credential.value that is a number", changes: ["credential": ["source": "database", "value": 42]], field: "credential.value"),
        Refusal(name: "credential.ref with source database", changes: ["credential": ["source": "database", "ref": "X"]], field: "credential.ref"),
        Refusal(name: "empty credential.ref", changes: ["credential": ["source": "env", "ref": ""]], field: "credential.ref"),
        Refusal(name: "file credential.ref with a slash", changes: ["credential": ["source": "file", "ref": "../etc/shadow"]], field: "credential.ref"),
        Refusal(
            name: "credential.value with auth_type none",
            changes: ["auth_type": "none", "credential": ["source": "database", "value": "tok"]], field: "credential.value"),
        Refusal(name: "header value with CR LF", changes: ["headers": ["X-Trace": "a\r\nX-Injected: 1"]], field: "headers.X-Trace"),
        Refusal(name: "header value with LF", changes: ["headers": ["X-Trace": "a\nb"]], field: "headers.X-Trace"),
        Refusal(name: "header name with a space", changes: ["headers": ["X Trace": "a"]], field: "headers.X Trace"),
        Refusal(name: "header value that is a number", changes: ["headers": ["X-Count": 3]], field: "headers.X-Count"),
        Refusal(name: "headers that are not an object", changes: ["headers": ["X-Trace"]], field: "headers"),
        Refusal(name: "Authorization header", changes: ["headers": ["Authorization": "Bearer x"]], field: "headers.Authorization"),
        Refusal(name: "authorization header in lower case", changes: ["headers": ["authorization": "Bearer x"]], field: "headers.authorization"),
        Refusal(name: "Proxy-Authorization header", changes: ["headers": ["Proxy-Authorization": "x"]], field: "headers.Proxy-Authorization"),
        Refusal(name: "Cookie header", changes: ["headers": ["Cookie": "session=x"]], field: "headers.Cookie"),
        Refusal(name: "X-API-KEY header", changes: ["headers": ["X-API-KEY": "x"]], field: "headers.X-API-KEY"),
        Refusal(name: "timeout 0", changes: ["timeout_seconds": 0], field: "timeout_seconds"),
        Refusal(name: "timeout 301", changes: ["timeout_seconds": 301], field: "timeout_seconds"),
        Refusal(name: "negative timeout", changes: ["timeout_seconds": -1], field: "timeout_seconds"),
        Refusal(name: "timeout as text", changes: ["timeout_seconds": "10"], field: "timeout_seconds"),
        Refusal(name: "enabled as text", changes: ["enabled": "yes"], field: "enabled"),
        Refusal(name: "enabled as a number", changes: ["enabled": 1], field: "enabled"),
        Refusal(name: "allow_insecure_http as text", changes: ["allow_insecure_http": "true"], field: "allow_insecure_http"),
        Refusal(name: "description as a number", changes: ["description": 7], field: "description"),
        Refusal(name: "alerting that is not an object", changes: ["alerting": 5], field: "alerting"),
        Refusal(name: "unknown alerting member", changes: ["alerting": ["window_minutes": 1]], field: "alerting.window_minutes"),
        Refusal(name: "failure rate over 100", changes: ["alerting": ["failure_rate_threshold": 101]], field: "alerting.failure_rate_threshold"),
        Refusal(name: "min_calls 0", changes: ["alerting": ["min_calls": 0]], field: "alerting.min_calls"),
        Refusal(name: "fractional min_calls", changes: ["alerting": ["min_calls": 2.5]], field: "alerting.min_calls"),
        Refusal(name: "auth threshold as text", changes: ["alerting": ["auth_failure_threshold": "5"]], field: "alerting.auth_failure_threshold"),
        Refusal(name: "negative latency threshold", changes: ["alerting": ["latency_threshold_seconds": -1]], field: "alerting.latency_threshold_seconds"),
        Refusal(name: "alerting enabled as text", changes: ["alerting": ["enabled": "no"]], field: "alerting.enabled"),
        Refusal(name: "POST as validate_method", changes: ["validate_method": "POST"], field: "validate_method"),
        Refusal(name: "validate_method as a number", changes: ["validate_method": 1], field: "validate_method"),
    ]

    @Test("alerting overrides and validate_method are read; left out they default to none and HEAD")
    func alertingAndValidateMethod() throws {
        let plain = try WebhookDefinition(json: Self.minimal).webhook
        #expect(plain.alerting.isEmpty && plain.validateMethod == "HEAD")
        #expect(plain.json.objectValue?["alerting"] == .object([:]))
        let tuned = try WebhookDefinition(json: Self.definition(setting: [
            "alerting": ["min_calls": 3, "failure_rate_threshold": 50.5, "enabled": true], "validate_method": "get",
        ])).webhook
        #expect(tuned.alerting == AlertOverrides(enabled: true, failureRateThreshold: 50.5, minCalls: 3))
        #expect(tuned.validateMethod == "GET")
        #expect(tuned.json.objectValue?["alerting"] == ["enabled": true, "failure_rate_threshold": 50.5, "min_calls": 3])
    }

    @Test("every refusal names the field that is wrong", arguments: refusals)
    func refusalNamesItsField(_ refusal: Refusal) {
        let object = Self.definition(setting: refusal.changes, removing: refusal.removed)
        let error = #expect(throws: WebhookValidationError.self) { try WebhookDefinition(json: object) }
        #expect(error?.field == refusal.field, "\(String(describing: error))")
    }

    @Test("a refused credential.value is not repeated in the error")
    func refusalDoesNotEchoTheSecret() {
        let object = Self.definition(setting: ["credential": ["source": "env", "value": "sk_fake_do_not_echo"]])
        let error = #expect(throws: WebhookValidationError.self) { try WebhookDefinition(json: object) }
        #expect(error.map { !$0.description.contains("sk_fake_do_not_echo") } ?? false)
    }

    @Test("timeouts at the edges of the range are accepted", arguments: [0.5, 300.0])
    func timeoutEdgesAccepted(_ seconds: Double) throws {
        let webhook = try WebhookDefinition(json: Self.definition(setting: ["timeout_seconds": .double(seconds)])).webhook
        #expect(webhook.timeoutSeconds == seconds)
    }

    // MARK: - Legacy credential value

    @Test("a database credential.value string is kept beside the webhook")
    func databaseValueKept() throws {
        let definition = try WebhookDefinition(json: Self.definition(setting: ["credential": ["source": "database", "value": "tok-123"]]))
        #expect(definition.legacyCredentialValue == "tok-123")
        #expect(definition.webhook.credentialSource == .database)
        #expect(definition.webhook.credentialReference == nil)
    }

    @Test("a database credential.value object is stored as its compact JSON text")
    func databaseValueObjectStoredAsCompactText() throws {
        let object = Self.definition(setting: [
            "auth_type": "basic", "credential": ["source": "database", "value": ["username": "ops", "password": "pw 1"]],
        ])
        let definition = try WebhookDefinition(json: object)
        #expect(definition.legacyCredentialValue == #"{"username":"ops","password":"pw 1"}"#)
    }

    // MARK: - Webhook.json

    @Test("Webhook.json has every field")
    func jsonHasEveryField() throws {
        let object = Self.definition(setting: ["headers": ["X-Team": "payments"], "description": "Stripe"])
        let json = try #require(try WebhookDefinition(json: object).webhook.json.objectValue)
        #expect(Set(json.keys) == [
            "code", "direction", "type", "url", "method", "auth_type", "credential", "headers", "timeout_seconds", "enabled",
            "description", "alerting", "validate_method", "allow_insecure_http", "retry", "breaker", "max_in_flight",
            "rate_per_second", "signing", "status_policy", "created_at", "updated_at",
        ])
        #expect(json["allow_insecure_http"] == false, "clear text is off unless asked for")
        #expect(json["headers"] == ["X-Team": "payments"])
        #expect(json["credential"] == ["source": "infisical", "ref": "WEBHOOK_STRIPE_PAYMENT_OUT"])
    }

    @Test("Webhook.json never carries the legacy credential value")
    func jsonNeverCarriesTheValue() throws {
        let object = Self.definition(setting: ["credential": ["source": "database", "value": "sk_fake_legacy_secret"]])
        let json = try WebhookDefinition(json: object).webhook.json
        #expect(!json.compactText.contains("sk_fake_legacy_secret"))
        #expect(json["credential"] == ["source": "database", "ref": .null])
    }

    @Test("Webhook.json re-imports as the same webhook")
    func jsonRoundTrips() throws {
        let original = try WebhookDefinition(json: Self.definition(setting: [
            "direction": "IN", "method": "PATCH", "headers": ["X-Team": "payments"], "timeout_seconds": 2.5, "enabled": false,
            "credential": ["source": "file", "ref": "stripe.key"], "description": "Stripe",
        ])).webhook
        let object = try #require(original.json.objectValue)
        #expect(try WebhookDefinition(json: object).webhook == original)
    }
}
