/// What `cancel` did.
public enum DeliveryQueueCancelResult: Sendable, Equatable {
    /// The delivery was waiting or in flight and is now `cancelled` (an attempt already under
    /// way may still reach the receiver; its outcome is recorded but the status stays).
    case cancelled(DeliveryRecord)
    /// Refused: the delivery is already final (`delivered`, `dead` or `cancelled`); unchanged.
    case alreadyFinal(DeliveryRecord)
    /// No delivery has this id (never queued, or pruned).
    case notFound
}
