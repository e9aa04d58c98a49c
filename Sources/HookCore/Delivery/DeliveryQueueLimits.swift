/// The bounds a delivery queue keeps (`delivery.max_queued`, `delivery.idempotency_window`).
public struct DeliveryQueueLimits: Sendable, Equatable {
    /// Unfinished deliveries (`queued`, `in_flight`, `retrying`) the queue holds at most; past
    /// it `enqueue` answers `queueFull` rather than dropping anything silently.
    public var maxQueued: Int
    /// Seconds during which a repeated `(code, idempotency_key)` returns the first delivery.
    public var idempotencyWindow: Double

    /// 1 000 000 unfinished deliveries: at the 1 MiB payload limit that is up to a terabyte, so
    /// operators with small disks lower it.
    public static let defaultMaxQueued = 1_000_000
    /// 24 hours, as Stripe and the Standard Webhooks guidance keep idempotency keys.
    public static let defaultIdempotencyWindow: Double = 86_400

    public init(maxQueued: Int = Self.defaultMaxQueued, idempotencyWindow: Double = Self.defaultIdempotencyWindow) {
        self.maxQueued = maxQueued
        self.idempotencyWindow = idempotencyWindow
    }
}
