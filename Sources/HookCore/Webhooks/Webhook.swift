import HookJSON

/// How a webhook's endpoint is reached: over HTTP, or by an internal service (not testable by URL).
public enum WebhookType: String, Sendable, CaseIterable {
    case http = "HTTP"
    case service = "SERVICE"
}

/// How the credential is applied to a call, which also fixes the credential's shape.
public enum AuthType: String, Sendable, CaseIterable {
    case bearer
    case basic
    case apiKey = "api_key"
    case hmac
    case oauth2ClientCredentials = "oauth2_client_credentials"
    case none
}

/// Where a credential lives.
public enum CredentialSourceKind: String, Sendable, CaseIterable {
    /// Infisical, through a Universal Auth machine identity.
    case infisical
    /// The legacy value stored in the registry itself (what the migration tool moves out).
    case database
    /// An environment variable of hookd's.
    case env
    /// A file: a systemd credential (`$CREDENTIALS_DIRECTORY`) or a configured directory.
    case file
}

/// A registered webhook. Holds no secret: the credential is named by `credentialReference` in
/// `credentialSource` (the legacy database value is stored beside the record, never in it).
public struct Webhook: Sendable, Equatable {
    public var key: WebhookKey
    public var type: WebhookType
    public var url: String?
    public var method: String
    public var authType: AuthType
    public var credentialSource: CredentialSourceKind
    /// The secret's name in its source; nil for `database`, whose value sits in the registry.
    public var credentialReference: String?
    /// Static, non-secret headers sent with every call.
    public var headers: [String: String]
    public var timeoutSeconds: Double
    public var enabled: Bool
    public var description: String
    /// Thresholds of this webhook's own, in place of `webhooks.alerting.*` (empty: none).
    public var alerting: AlertOverrides
    /// The HTTP method `validate.one` requests the endpoint with (GET when HEAD gets 405).
    public var validateMethod: String
    /// Whether the credential may be sent over plain `http://` (to the endpoint, or to an OAuth2
    /// token URL). Off by default: a credential in clear text is readable by every hop.
    public var allowInsecureHTTP: Bool
    /// How deliveries to it go where `delivery.*` is not what it needs (`retry`, `breaker`,
    /// `max_in_flight`, `rate_per_second`); empty: the global settings.
    public var delivery: DeliveryOverrides
    /// How `inbound.verify` checks an IN webhook's requests (`inbound`); empty: the defaults.
    public var inbound: InboundSettings
    /// ISO 8601 times, set by the store.
    public var createdAt: String?
    public var updatedAt: String?
    /// Where deliveries and validation go instead of `url` while the webhook is routed to the
    /// testing sandbox (`sandbox.route`); never stored, the registry's `url` stays as it is.
    public var sandboxRoute: String?

    /// The URL calls to the webhook go to: the sandbox's while routed, else `url`.
    public var callURL: String? { sandboxRoute ?? url }

    /// Whether a credential may travel over plain http:// to `callURL`: when the webhook says so,
    /// or to the sandbox on loopback (routes are refused to anywhere else).
    public var mayCallInClearText: Bool { allowInsecureHTTP || sandboxRoute != nil }

    public init(
        key: WebhookKey, type: WebhookType = .http, url: String? = nil, method: String = "POST", authType: AuthType,
        credentialSource: CredentialSourceKind = .infisical, credentialReference: String? = nil,
        headers: [String: String] = [:], timeoutSeconds: Double = 10, enabled: Bool = true, description: String = "",
        alerting: AlertOverrides = AlertOverrides(), validateMethod: String = "HEAD", allowInsecureHTTP: Bool = false,
        delivery: DeliveryOverrides = DeliveryOverrides(), inbound: InboundSettings = InboundSettings(),
        createdAt: String? = nil, updatedAt: String? = nil
    ) {
        self.key = key
        self.type = type
        self.url = url
        self.method = method
        self.authType = authType
        self.credentialSource = credentialSource
        self.credentialReference = credentialReference ?? Self.defaultReference(for: key, in: credentialSource)
        self.headers = headers
        self.timeoutSeconds = timeoutSeconds
        self.enabled = enabled
        self.description = description
        self.alerting = alerting
        self.validateMethod = validateMethod
        self.allowInsecureHTTP = allowInsecureHTTP
        self.delivery = delivery
        self.inbound = inbound
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The name a credential has in its source when the registry does not say:
    /// infisical `WEBHOOK_<CODE>_<DIRECTION>`, env `HOOKD_CRED_<CODE>_<DIRECTION>`,
    /// file `webhook-<code>-<direction>` (lower case), database none.
    public static func defaultReference(for key: WebhookKey, in source: CredentialSourceKind) -> String? {
        switch source {
        case .infisical: "WEBHOOK_\(key.code)_\(key.direction.rawValue)"
        case .env: "HOOKD_CRED_\(key.code)_\(key.direction.rawValue)"
        case .file: "webhook-\(key.code.lowercased())-\(key.direction.rawValue.lowercased())"
        case .database: nil
        }
    }

    /// The webhook as `webhook.get` returns it: every field, no secret.
    ///
    /// Secret-looking parts are masked: the URL's userinfo, sensitive query parameters and path
    /// tokens (Slack, Discord), and the values of static headers whose names look secret. A
    /// caller that needs such a URL as it is should let hookd send the webhook, or move the
    /// secret into the credential.
    public var json: JSONValue {
        let masker = Masker()
        var headerObject = JSONObject()
        for name in headers.keys.sorted() {
            headerObject[name] = .string(Self.looksSecret(headerName: name) ? Masker.mask : headers[name] ?? "")
        }
        var object: JSONObject = [
            "code": .string(key.code),
            "direction": .string(key.direction.rawValue),
            "type": .string(type.rawValue),
            "url": url.map { .string(masker.maskURL($0)) } ?? .null,
            "method": .string(method),
            "auth_type": .string(authType.rawValue),
            "credential": ["source": .string(credentialSource.rawValue), "ref": credentialReference.map(JSONValue.string) ?? .null],
            "headers": .object(headerObject),
            "timeout_seconds": .double(timeoutSeconds),
            "enabled": .bool(enabled),
            "description": .string(description),
            "alerting": alerting.json,
            "validate_method": .string(validateMethod),
            "allow_insecure_http": .bool(allowInsecureHTTP),
        ]
        for member in delivery.definitionMembers { object[member.key] = member.value }
        if key.direction == .inbound { object["inbound"] = .object(inbound.json) }
        object["created_at"] = createdAt.map(JSONValue.string) ?? .null
        object["updated_at"] = updatedAt.map(JSONValue.string) ?? .null
        if let sandboxRoute {
            object["sandbox"] = true
            object["sandbox_url"] = .string(masker.maskURL(sandboxRoute))
        }
        return .object(object)
    }
}

extension Webhook {
    /// Fragments that make a static header's name look like it carries a secret.
    static let secretHeaderFragments = ["token", "key", "secret", "auth", "signature", "password", "cookie", "session"]

    /// Whether a static header's value is masked in answers (`X-Session-Token`, `X-Signature`).
    static func looksSecret(headerName: String) -> Bool {
        let lowered = headerName.lowercased()
        return secretHeaderFragments.contains { lowered.contains($0) }
    }
}
