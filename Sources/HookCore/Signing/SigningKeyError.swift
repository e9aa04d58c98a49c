/// Why a signing secret does not have the form its scheme uses. The cases carry no part of the
/// secret, so an error can be logged, returned over RPC or shown by `validate.one` as it is.
public enum SigningKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The secret must start with this prefix (`whsec_` for Stripe and Standard Webhooks).
    case missingPrefix(String)
    /// The part after `whsec_` is not standard, padded base64.
    case notBase64
    /// The decoded Standard Webhooks key is outside the spec's 24 to 64 bytes; carries the count found.
    case wrongKeyLength(found: Int)
    /// Slack signing secrets and Twilio auth tokens are 32 hexadecimal characters.
    case notThirtyTwoHexDigits
    /// Shorter than the minimum a hand-chosen secret needs (GitHub, Shopify, generic: 16 bytes).
    case tooShort(minimum: Int)
    /// Contains whitespace: almost always a copy-and-paste accident.
    case containsWhitespace

    /// The rule the secret breaks, as `validate.one` words it ("must start with whsec_").
    public var reason: String {
        switch self {
        case .missingPrefix(let prefix): "must start with \(prefix)"
        case .notBase64: "the part after whsec_ must be base64"
        case .wrongKeyLength(let found): "must encode 24 to 64 bytes, found \(found)"
        case .notThirtyTwoHexDigits: "must be 32 hexadecimal characters"
        case .tooShort(let minimum): "must be at least \(minimum) characters"
        case .containsWhitespace: "must not contain whitespace"
        }
    }

    public var description: String { "malformed signing secret: \(reason)" }
}
