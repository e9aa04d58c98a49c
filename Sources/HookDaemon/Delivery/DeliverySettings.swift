import HookCore

/// `delivery.*`: how hookd queues, sends and retries the webhooks callers hand it.
public struct DeliverySettings: Sendable, Equatable {
    /// `delivery.queue_path`: the SQLite queue (default `<state_dir>/deliveries.db`).
    public var queuePath: String?
    /// `delivery.max_queued`: deliveries not yet final; one more is refused with `queue_full`.
    public var maxQueued = DeliveryQueueLimits.defaultMaxQueued
    /// `delivery.max_payload_bytes`: the largest body a delivery may carry (default 1 MiB).
    public var maxPayloadBytes = 1 << 20
    /// `delivery.idempotency_window`: how long an `idempotency_key` names its first delivery.
    public var idempotencyWindow = DeliveryQueueLimits.defaultIdempotencyWindow
    /// `delivery.retention_days` / `delivery.dead_retention_days`: when final rows are pruned.
    public var deliveredRetention: Double = 7 * 86_400
    public var deadRetention: Double = 30 * 86_400
    /// `delivery.max_in_flight`: attempts at once per webhook, unless its own `max_in_flight` says otherwise.
    public var maxInFlightPerWebhook = 8
    /// `delivery.retry.schedule` / `delivery.retry.max_attempts` / `delivery.retry.max_age`: the
    /// schedule of webhooks without their own `retry` (which overrides it part by part).
    public var retry = RetrySchedule.standard
    /// `delivery.breaker.*`: when a failing webhook's deliveries wait instead of being sent; a
    /// webhook's own `breaker` overrides it key by key.
    public var breaker = CircuitBreaker.Settings.standard

    public init() {}

    /// The queue's own limits.
    var queueLimits: DeliveryQueueLimits {
        DeliveryQueueLimits(maxQueued: maxQueued, idempotencyWindow: idempotencyWindow)
    }
}
