/// A delivery with every attempt made so far: what `delivery.get` shows.
public struct DeliveryRecordDetail: Sendable, Equatable {
    /// The delivery, with its payload.
    public var record: DeliveryRecord
    /// Its attempts, by number from 1.
    public var attempts: [DeliveryAttempt]

    public init(record: DeliveryRecord, attempts: [DeliveryAttempt]) {
        self.record = record
        self.attempts = attempts
    }
}
