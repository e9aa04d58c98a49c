/// Why an inbound signature was not accepted. The raw values are the `reason` words of
/// `inbound.verify`.
public enum VerificationFailure: String, Sendable, CaseIterable {
    /// A header the scheme needs is absent or empty.
    case missingSignature = "missing_signature"
    /// The headers are there but cannot be read (bad hex or base64, no `t=`, a timestamp that is not a number).
    case malformedSignature = "malformed_signature"
    /// Well-formed, but no signature matches any key that counts.
    case badSignature = "bad_signature"
    /// The signature matches, but its timestamp is further from now than the tolerance (either way).
    case timestampOutOfTolerance = "timestamp_out_of_tolerance"
}

/// Which key a valid signature was made with.
public enum SignedWith: String, Sendable, CaseIterable {
    /// The credential's current secret.
    case current
    /// The secret being rotated out (`previous_secret`), before its `previous_expires_at`.
    case previous
}

/// The outcome of checking one inbound request's signature: a result, not an error, because a
/// bad signature is an expected answer.
public struct SignatureVerification: Sendable, Equatable {
    /// Why the signature was not accepted; nil when it was.
    public let reason: VerificationFailure?
    /// The signed timestamp (unix seconds) when the scheme carries one and it could be read.
    public let timestamp: Int?
    /// The id that identifies this event for replay protection, when the request carries one
    /// (set for invalid requests too, for logging; only a valid one should enter a replay cache).
    public let eventID: String?
    /// True when `eventID` is built from the signature itself (Stripe, Slack), so logs should show
    /// a hash of it rather than the id.
    public let eventIDContainsSignature: Bool
    /// The key that verified; nil unless valid.
    public let signedWith: SignedWith?

    /// Whether the signature was accepted.
    public var valid: Bool { reason == nil }

    /// An accepted signature.
    public static func accepted(signedWith: SignedWith, timestamp: Int?, eventID: String?, eventIDContainsSignature: Bool = false) -> Self {
        Self(reason: nil, timestamp: timestamp, eventID: eventID, eventIDContainsSignature: eventIDContainsSignature, signedWith: signedWith)
    }

    /// A refused signature.
    public static func refused(
        _ reason: VerificationFailure, timestamp: Int? = nil, eventID: String? = nil, eventIDContainsSignature: Bool = false
    ) -> Self {
        Self(reason: reason, timestamp: timestamp, eventID: eventID, eventIDContainsSignature: eventIDContainsSignature, signedWith: nil)
    }
}
