// A value type of the `DeliveryQueue` API (files in this folder are split between helpers by
// prefix; this one belongs with the queue).

/// What became of one item of an `enqueue` batch. Queue full is a result rather than an error so
/// that one full item does not fail the other callers sharing the group commit.
public enum EnqueueResult: Sendable, Equatable {
    /// Durably queued (committed) as this new delivery, due at once.
    case enqueued(DeliveryRecord)
    /// The same idempotency key for the same webhook within the window: the first delivery, as
    /// it stands now; nothing new was queued.
    case duplicate(DeliveryRecord)
    /// `max_queued` unfinished deliveries are waiting; nothing was queued (`-32004 queue_full`).
    case queueFull

    /// The delivery the caller's reply is about; nil when the queue was full.
    public var record: DeliveryRecord? {
        switch self {
        case .enqueued(let record), .duplicate(let record): record
        case .queueFull: nil
        }
    }
}
