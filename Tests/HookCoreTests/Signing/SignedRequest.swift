import HookCore

/// A request signed by `WebhookSigner`, ready to be verified as received, or tampered with first.
struct SignedRequest {
    var scheme: SignatureScheme
    var generic: GenericSignatureSettings?
    var keys: SigningKeys
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var url: String?
    var params: [(String, String)]?
    var timestamp: Int

    static let body = SigningFixtures.bytes(#"{"event":"order.paid","amount":4200}"#)
    static let timestamp = 1_700_000_000
    static let url = "https://hooks.example.com/in/orders?tenant=7"

    /// A well-formed secret for each scheme (current) and another one (previous).
    static func secrets(_ scheme: SignatureScheme) -> (current: String, previous: String) {
        switch scheme {
        case .stripe: ("whsec_current_secret_0123456789", "whsec_previous_secret_0123456789")
        case .standardWebhooks: ("whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3", "whsec_c2VjcmV0LWtleS1mb3ItdGhlLXByZXZpb3VzLXJvdW5k")
        case .slack, .twilio: ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")
        case .github, .shopify, .generic: ("current-secret-0123456789", "previous-secret-0123456789")
        }
    }

    static func keys(_ scheme: SignatureScheme, previousExpiresAt: Double? = nil) throws -> SigningKeys {
        let secrets = secrets(scheme)
        let current = try SigningKey(secret: secrets.current, scheme: scheme)
        guard let previousExpiresAt else { return SigningKeys(current: current) }
        return SigningFixtures.rotation(current, previous: try SigningKey(secret: secrets.previous, scheme: scheme), expiresAt: previousExpiresAt)
    }

    /// Signs `body` for `scheme` with `keys` (default: the scheme's current key alone).
    static func make(
        _ scheme: SignatureScheme, generic: GenericSignatureSettings? = nil, keys: SigningKeys? = nil, body: [UInt8] = body,
        timestamp: Int = timestamp, params: [(String, String)]? = nil
    ) throws -> SignedRequest {
        let keys = try keys ?? Self.keys(scheme)
        let generic = try generic ?? (scheme == .generic ? GenericSignatureSettings(header: "X-Signature", prefix: "sha256=") : nil)
        let url = scheme == .twilio ? (params == nil ? TwilioRequest.signedURL(Self.url, jsonBody: body) : Self.url) : nil
        let headers = try WebhookSigner.headers(
            scheme: scheme, generic: generic, keys: keys, messageID: "msg_round_trip", timestamp: timestamp, body: body, url: url, params: params)
        return SignedRequest(scheme: scheme, generic: generic, keys: keys, headers: headers, body: body, url: url, params: params, timestamp: timestamp)
    }

    /// Verifies as received at `now` (default: the signing moment) with the request's keys or others.
    func verify(now: Double? = nil, keys: SigningKeys? = nil, tolerance: Double = SignatureVerifier.defaultTolerance) throws -> SignatureVerification {
        try SignatureVerifier.verify(
            scheme: scheme, generic: generic, keys: keys ?? self.keys, headers: headers, body: body, url: url, params: params,
            now: now ?? Double(timestamp), tolerance: tolerance)
    }

    /// The name of the header carrying the signature itself.
    var signatureHeader: String {
        switch scheme {
        case .standardWebhooks: SignatureHeader.webhookSignature
        case .stripe: SignatureHeader.stripeSignature
        case .github: SignatureHeader.gitHubSignature
        case .slack: SignatureHeader.slackSignature
        case .shopify: SignatureHeader.shopifySignature
        case .twilio: SignatureHeader.twilioSignature
        case .generic: generic?.header ?? ""
        }
    }

    /// The request with one header's value changed.
    func replacing(_ name: String, with value: String) -> SignedRequest {
        var copy = self
        copy.headers = SigningFixtures.replacing(name, with: value, in: headers)
        return copy
    }

    /// The request without one header.
    func removing(_ name: String) -> SignedRequest {
        var copy = self
        copy.headers = SigningFixtures.removing(name, from: headers)
        return copy
    }

    /// The value of a header the signer wrote.
    func value(_ name: String) -> String { SigningFixtures.value(headers, name) ?? "" }
}
