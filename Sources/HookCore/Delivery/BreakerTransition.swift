/// A change of a circuit breaker's state, returned so the caller can raise or resolve alerts.
public enum BreakerTransition: Sendable, Hashable {
    /// Closed or half-open → open: fire `delivery_failing`. The window's failure percentage and
    /// request count at that moment (after a failed probe, whatever the window still holds).
    case opened(failureRate: Double, requests: Int)
    /// Open → half-open: the cooldown is over and a probe may go.
    case halfOpened
    /// Half-open → closed after a successful probe, or any state → closed by `reset`: resolve
    /// `delivery_failing`.
    case closed
    /// Only failures for `disable_after`: fire `webhook_disabled`.
    case disabled
}
