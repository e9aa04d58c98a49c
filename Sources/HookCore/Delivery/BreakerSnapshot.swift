/// A circuit breaker's state as `delivery.stats` shows it (`breaker: {state, opened_at?}`).
public struct BreakerSnapshot: Sendable, Equatable {
    /// `closed`, `open`, `half_open` or `disabled`.
    public var state: String
    /// When the breaker left `closed` (open and half-open only), seconds since 1970.
    public var openedAt: Double?
    /// When the next probe may go (open only).
    public var retryAt: Double?

    public init(state: String, openedAt: Double? = nil, retryAt: Double? = nil) {
        self.state = state
        self.openedAt = openedAt
        self.retryAt = retryAt
    }
}
