/// The secret an HMAC credential is rotating away from, and until when it still counts: outbound
/// deliveries are signed with both until then, and inbound signatures made with it still verify.
public struct PreviousSecret: Sendable, Equatable {
    public var secret: String
    /// Seconds since 1970 (`previous_expires_at`, given as a number or ISO 8601 text).
    public var expiresAt: Double

    public init(secret: String, expiresAt: Double) {
        self.secret = secret
        self.expiresAt = expiresAt
    }
}
