/// How many deliveries stand in each status, and how long the oldest unfinished one has waited:
/// the queue's part of `delivery.stats`.
///
/// Final statuses count the rows still kept, i.e. those within the retention window.
public struct DeliveryQueueStats: Sendable, Equatable {
    public var queued: Int
    public var inFlight: Int
    public var retrying: Int
    public var delivered: Int
    public var dead: Int
    public var cancelled: Int
    /// Seconds since the oldest unfinished (`queued`, `in_flight` or `retrying`) delivery was
    /// enqueued; nil when there is none. The queue's lag, as an operator reads it.
    public var oldestQueuedAge: Double?

    public init(queued: Int = 0, inFlight: Int = 0, retrying: Int = 0, delivered: Int = 0, dead: Int = 0, cancelled: Int = 0, oldestQueuedAge: Double? = nil) {
        self.queued = queued
        self.inFlight = inFlight
        self.retrying = retrying
        self.delivered = delivered
        self.dead = dead
        self.cancelled = cancelled
        self.oldestQueuedAge = oldestQueuedAge
    }

    /// The count for one status.
    public subscript(status: DeliveryStatus) -> Int {
        get {
            switch status {
            case .queued: queued
            case .inFlight: inFlight
            case .retrying: retrying
            case .delivered: delivered
            case .dead: dead
            case .cancelled: cancelled
            }
        }
        set {
            switch status {
            case .queued: queued = newValue
            case .inFlight: inFlight = newValue
            case .retrying: retrying = newValue
            case .delivered: delivered = newValue
            case .dead: dead = newValue
            case .cancelled: cancelled = newValue
            }
        }
    }

    /// Deliveries not yet final: what counts against `max_queued`.
    public var unfinished: Int { queued + inFlight + retrying }
}
