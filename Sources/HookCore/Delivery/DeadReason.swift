/// Why a delivery went `dead`, as stored and shown (`delivery.get`, the `delivery_dead` alert).
public enum DeadReason: String, Sendable, Hashable, CaseIterable {
    /// The receiver refused the payload (a 4xx other than 401/403/408/409/410/425/429, or a
    /// status the webhook's policy marks `dead`): sending it again cannot help.
    case rejected
    /// 410 Gone: the endpoint is gone for good; the webhook is disabled too.
    case gone
    /// `NetworkPolicy` refused the receiver's address.
    case blockedAddress = "blocked_address"
    /// Every attempt of the schedule failed, or the next would pass `max_age`: decided by the
    /// caller when `RetrySchedule.nextAttemptTime` returns nil.
    case exhausted
}
