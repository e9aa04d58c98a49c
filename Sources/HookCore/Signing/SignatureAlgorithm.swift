import Crypto

/// The hash under a signature's HMAC. The providers fix theirs (Twilio SHA-1, the rest SHA-256);
/// `generic` lets a webhook's definition choose.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    /// HMAC-SHA256: Stripe, GitHub, Slack, Shopify, Standard Webhooks, and generic's default.
    case sha256
    /// HMAC-SHA1: Twilio, and older generic senders.
    case sha1
    /// HMAC-SHA512: for generic senders that use it.
    case sha512

    /// The length of the HMAC in bytes: a presented signature of any other length is malformed.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha1: 20
        case .sha512: 64
        }
    }

    /// HMAC of `message` under `key`.
    func authenticationCode(for message: [UInt8], key: SigningKey) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key.bytes)
        switch self {
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetricKey))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetricKey))
        }
    }

    /// Plain SHA-256 of `bytes` (Twilio's `bodySHA256`).
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
