/// The HMAC key a signature scheme derives from a secret's text: the bytes both the signer and
/// the verifier feed to HMAC, so that the two sides cannot disagree about what the key is.
///
/// Stripe, GitHub, Slack, Shopify, Twilio and generic sign with the secret's UTF-8 bytes
/// (Stripe with the whole `whsec_…` text); Standard Webhooks with the base64 after `whsec_`.
/// `description` and reflection never show the bytes.
public struct SigningKey: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// The raw HMAC key.
    public let bytes: [UInt8]

    /// A key from raw bytes, with no form check: for keys that did not come from a provider's
    /// secret text (tests, published examples whose sample secrets break the real form).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The key `scheme` derives from `secret`, after checking the secret has the form that
    /// provider issues (the rules `validate.one` reports).
    /// - Throws: `SigningKeyError` naming the rule broken, never quoting the secret.
    public init(secret: String, scheme: SignatureScheme) throws(SigningKeyError) {
        bytes = try Self.derive(secret: secret, scheme: scheme)
    }

    /// Standard Webhooks' and Stripe's secret prefix.
    public static let whsecPrefix = "whsec_"
    /// The fewest bytes a GitHub, Shopify or generic secret may have.
    public static let minimumSecretLength = 16
    /// The Standard Webhooks spec's key sizes, in bytes.
    public static let standardWebhooksKeyLengths = 24...64

    /// Checks that `secret` has the form `scheme`'s provider issues, without deriving a key.
    /// - Throws: `SigningKeyError` naming the rule broken.
    public static func checkForm(secret: String, scheme: SignatureScheme) throws(SigningKeyError) {
        _ = try derive(secret: secret, scheme: scheme)
    }

    /// The form rules and the derivation, in one pass.
    private static func derive(secret: String, scheme: SignatureScheme) throws(SigningKeyError) -> [UInt8] {
        switch scheme {
        case .stripe:
            guard secret.hasPrefix(whsecPrefix), secret.utf8.count > whsecPrefix.utf8.count else { throw .missingPrefix(whsecPrefix) }
        case .standardWebhooks:
            guard secret.hasPrefix(whsecPrefix) else { throw .missingPrefix(whsecPrefix) }
            guard let decoded = SignatureText.bytes(base64: secret.dropFirst(whsecPrefix.count)) else { throw .notBase64 }
            guard standardWebhooksKeyLengths.contains(decoded.count) else { throw .wrongKeyLength(found: decoded.count) }
            return decoded
        case .slack, .twilio:
            guard secret.utf8.count == 32, SignatureText.bytes(hex: secret) != nil else { throw .notThirtyTwoHexDigits }
        case .github, .shopify, .generic:
            guard secret.utf8.count >= minimumSecretLength else { throw .tooShort(minimum: minimumSecretLength) }
            guard !containsWhitespace(secret) else { throw .containsWhitespace }
        }
        return Array(secret.utf8)
    }

    /// Whether the secret holds whitespace; ASCII (the rule for secrets) needs no Unicode table,
    /// and no grapheme breaking either way (this runs for every inbound request).
    private static func containsWhitespace(_ text: String) -> Bool {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return text.utf8.contains { $0 == 0x20 || (0x09...0x0D).contains($0) } }
        return text.unicodeScalars.contains { $0.properties.isWhitespace }
    }

    public var description: String { "SigningKey(\(bytes.count) bytes)" }

    public var customMirror: Mirror { Mirror(self, children: ["byteCount": bytes.count]) }
}
