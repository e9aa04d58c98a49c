/// The keys a webhook signs or verifies with: the current one and, during a rotation, the
/// previous one until it expires, so that senders and receivers can switch at different times.
public struct SigningKeys: Sendable, Equatable {
    /// The key to sign with and to try first.
    public var current: SigningKey
    /// The key being rotated out, if any.
    public var previous: Previous?

    /// A previous key and the moment (unix seconds) from which it no longer counts.
    public struct Previous: Sendable, Equatable {
        public var key: SigningKey
        /// Unix seconds; the key counts strictly before this moment.
        public var expiresAt: Double

        /// A previous key that counts until `expiresAt` (unix seconds).
        public init(key: SigningKey, expiresAt: Double) {
            self.key = key
            self.expiresAt = expiresAt
        }
    }

    /// The current key, and the previous one during a rotation.
    public init(current: SigningKey, previous: Previous? = nil) {
        self.current = current
        self.previous = previous
    }

    /// The previous key if it still counts at `moment` (unix seconds), else nil.
    public func previousKey(at moment: Double) -> SigningKey? {
        guard let previous, moment < previous.expiresAt else { return nil }
        return previous.key
    }
}
