extension DeliveryAttempt {
    /// What an attempt decided for its delivery; the worker's policy (`StatusPolicy`,
    /// `RetrySchedule`) chooses, the queue only records it.
    public enum Outcome: Sendable, Equatable {
        /// The receiver accepted it: final.
        case delivered
        /// Try again at this time (seconds since 1970): the delivery becomes `retrying`.
        case retry(at: Double)
        /// Give up for this reason (a `DeadReason` raw value: `gone`, `rejected`, `exhausted`, …): final.
        case dead(reason: String)
    }
}
