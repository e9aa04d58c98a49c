extension DeliveryAttempt {
    /// An attempt to record with its delivery and outcome: one item of `recordAttempts`, which
    /// commits many workers' results together as `enqueue` does for callers.
    public struct Report: Sendable, Equatable {
        public var deliveryID: DeliveryRecord.ID
        public var attempt: DeliveryAttempt
        public var outcome: Outcome

        public init(deliveryID: DeliveryRecord.ID, attempt: DeliveryAttempt, outcome: Outcome) {
            self.deliveryID = deliveryID
            self.attempt = attempt
            self.outcome = outcome
        }
    }
}
