/// One page of `delivery.list`: newest first, and where the next page starts.
public struct DeliveryQueuePage: Sendable, Equatable {
    /// The deliveries, newest (highest id) first, without payloads.
    public var records: [DeliveryRecord]
    /// Pass as `cursor` for the next page; nil when this page is the last.
    public var nextCursor: DeliveryRecord.ID?

    public init(records: [DeliveryRecord], nextCursor: DeliveryRecord.ID?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}
