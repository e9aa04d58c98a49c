/// What the delivery engine does after an attempt, as `StatusPolicy` decides it.
public enum DeliveryDecision: Sendable, Hashable {
    /// Done: the receiver took it.
    case delivered
    /// Try again when `RetrySchedule` says (or mark it dead as `exhausted` when it says nil).
    case retry
    /// A 401/403 with a credential not yet refreshed for this delivery: invalidate the cached
    /// credential and retry once at once, outside the schedule, passing
    /// `credentialAlreadyRefreshed: true` for that attempt's outcome.
    case refreshCredentialAndRetryNow
    /// 410 Gone: the delivery is dead (reason `gone`) and the webhook is disabled.
    case gone
    /// The delivery is dead and is not retried.
    case dead(reason: DeadReason)

    /// The reason to store when the delivery ends dead here (`gone` for ``gone``); nil otherwise.
    public var deadReason: DeadReason? {
        switch self {
        case .delivered, .retry, .refreshCredentialAndRetryNow: nil
        case .gone: .gone
        case .dead(let reason): reason
        }
    }
}
