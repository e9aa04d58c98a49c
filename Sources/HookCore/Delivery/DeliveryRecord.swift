/// One delivery as the queue holds it: who it is for, where it stands, and (when loaded) what
/// it sends.
///
/// Times are seconds since 1970, like every clock in HookCore; the RPC layer prints them in
/// ISO 8601.
public struct DeliveryRecord: Sendable, Equatable, Identifiable {
    /// The delivery's id (`delivery_id`).
    public var id: ID
    /// The webhook's code.
    public var code: String
    /// The webhook's direction (deliveries go `OUT`).
    public var direction: WebhookDirection
    public var status: DeliveryStatus
    /// When it was enqueued.
    public var createdAt: Double
    /// When a worker may next claim it; set exactly while it is `queued` or `retrying`.
    public var nextAttemptAt: Double?
    /// When it became final (`delivered`, `dead`, `cancelled`): what retention counts from.
    public var finishedAt: Double?
    /// Attempts recorded so far (the highest attempt number).
    public var attemptCount: Int
    /// The last attempt's `error` while it is not delivered, e.g. `timeout` or `http_503`.
    public var lastError: String?
    /// Why it went `dead`: a `DeadReason` raw value (`gone`, `rejected`, `exhausted`, …), kept as
    /// text so a reason added later never makes a stored row unreadable.
    public var deadReason: String?
    /// The caller's idempotency key, if it gave one.
    public var idempotencyKey: String?
    /// The `webhook-id` receivers de-duplicate on: this delivery's own id, or the original's for
    /// a replay that keeps it.
    public var messageID: ID
    /// The delivery this one replays, if it is a replay.
    public var replayOf: ID?
    /// What is sent. Loaded by `claimDue`, `get` and `enqueue`; nil in `list` pages, which leave
    /// bodies (up to `max_payload_bytes` each) on disk.
    public var payload: Payload?

    public init(
        id: ID, code: String, direction: WebhookDirection = .outbound, status: DeliveryStatus, createdAt: Double,
        nextAttemptAt: Double?, finishedAt: Double? = nil, attemptCount: Int = 0, lastError: String? = nil,
        deadReason: String? = nil, idempotencyKey: String? = nil, messageID: ID? = nil, replayOf: ID? = nil,
        payload: Payload?
    ) {
        self.id = id
        self.code = code
        self.direction = direction
        self.status = status
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
        self.attemptCount = attemptCount
        self.lastError = lastError
        self.deadReason = deadReason
        self.idempotencyKey = idempotencyKey
        self.messageID = messageID ?? id
        self.replayOf = replayOf
        self.payload = payload
    }
}
