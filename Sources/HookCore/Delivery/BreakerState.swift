/// Where a webhook's circuit breaker stands, as the delivery workers read it.
public enum BreakerState: Sendable, Hashable {
    /// Deliveries go out.
    case closed
    /// Too many failures: deliveries wait in the queue (not attempted, not lost) until `retryAt`.
    /// `openedAt` is when the breaker left `closed`, kept while probes fail.
    case open(openedAt: Double, retryAt: Double)
    /// The cooldown is over: one probe attempt goes out, and its outcome closes or reopens it.
    case halfOpen
    /// Only failures for `disable_after`: nothing goes out until an operator resets it.
    case disabled

    /// The name `delivery.stats` shows: `closed`, `open`, `half_open` or `disabled`.
    public var name: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half_open"
        case .disabled: "disabled"
        }
    }
}
