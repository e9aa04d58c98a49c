/// The durable queue behind `webhook.deliver`: deliveries wait here until a worker claims them,
/// and their attempts are recorded here, so nothing accepted is lost when hookd dies.
///
/// A protocol so the embedded default (`DeliveryStore`, SQLite in the state directory) can be
/// replaced for fleets by a shared queue (Redis Streams), and tests can use a twin. Semantics
/// every implementation keeps:
/// - **Durable acknowledgement:** when `enqueue` returns `.enqueued`, the delivery is committed;
///   the caller's reply may say so.
/// - **At least once:** a claimed delivery is `in_flight` until `recordAttempt`; after a crash,
///   `requeueInFlight` puts it back, so it may be sent twice but never lost. Receivers
///   de-duplicate on `messageID` (`webhook-id`).
/// - **Bounded:** at most `DeliveryQueueLimits.maxQueued` unfinished deliveries.
///
/// Every method is synchronous and blocks the calling thread on the disk or the network. Call
/// it from a thread pool (`NIOThreadPool`) or a thread of your own, never on an event loop or
/// in a hot path. Times are seconds since 1970, passed in so callers and tests own the clock.
public protocol DeliveryQueue<Failure>: Sendable {
    /// What the implementation throws (`StoreError` for `DeliveryStore`); never a payload byte.
    associatedtype Failure: Error

    /// Queues a batch in one transaction: the group commit that lets many concurrent
    /// `webhook.deliver` calls share one durable write.
    ///
    /// Each new delivery is `queued`, due at `now`. An item whose `(code, idempotencyKey)` was
    /// queued within the idempotency window, earlier or earlier in this batch, gets that delivery
    /// back instead; an item that would take the unfinished count past `maxQueued` gets
    /// `queueFull`. Either way the other items are unaffected.
    /// - Returns: one result per item, in order.
    /// - Throws: when the batch could not be committed; then none of it was queued.
    func enqueue(_ deliveries: [NewDelivery], now: Double) throws(Failure) -> [EnqueueResult]

    /// Atomically moves up to `limit` due deliveries (`queued` or `retrying` with
    /// `nextAttemptAt ≤ now`) to `in_flight` and returns them with their payloads, earliest due
    /// first, then oldest id first.
    /// - Parameter excludingCodes: webhooks not to claim for now (breaker open, disabled); their
    ///   deliveries keep waiting, untouched.
    func claimDue(now: Double, limit: Int, excludingCodes: Set<String>) throws(Failure) -> [DeliveryRecord]

    /// The earliest `nextAttemptAt` among waiting deliveries of webhooks not excluded, so a
    /// worker can sleep until then instead of polling; nil when nothing waits.
    func nextDueAt(excludingCodes: Set<String>) throws(Failure) -> Double?

    /// Records an attempt and what it decided: `delivered` and `dead` are final, `retry(at:)`
    /// makes the delivery `retrying`, due then.
    ///
    /// The attempt is always kept. The status changes only while the delivery is `in_flight`:
    /// one cancelled meanwhile stays `cancelled`.
    /// - Returns: the delivery afterwards (without payload); nil when there is no such delivery.
    /// - Throws: also when an attempt with this number was already recorded.
    func recordAttempt(_ id: DeliveryRecord.ID, _ attempt: DeliveryAttempt, outcome: DeliveryAttempt.Outcome) throws(Failure) -> DeliveryRecord?

    /// `recordAttempt` for many deliveries in one transaction: workers finishing together share
    /// one commit, and a page touched by several of them is written once.
    /// - Returns: one result per report, in order (nil for an unknown delivery).
    /// - Throws: when the batch could not be committed; then none of it was recorded.
    func recordAttempts(_ reports: [DeliveryAttempt.Report]) throws(Failure) -> [DeliveryRecord?]

    /// Puts every `in_flight` delivery back to `queued`, due at `now`: run once at start-up,
    /// before any worker claims, to recover what a crash left claimed (at least once).
    /// - Returns: how many were put back.
    /// Gives claimed deliveries back unattempted (`in_flight` → `queued`, due at `nextAttemptAt`),
    /// counting no attempt: for a webhook found disabled after its deliveries were claimed.
    /// - Returns: how many were released (rows no longer in flight are left alone).
    func release(_ ids: [DeliveryRecord.ID], nextAttemptAt: Double) throws(Failure) -> Int

    func requeueInFlight(now: Double) throws(Failure) -> Int

    /// Cancels a delivery that is not final yet; a final one is left as it is.
    func cancel(_ id: DeliveryRecord.ID, now: Double) throws(Failure) -> DeliveryQueueCancelResult

    /// A delivery with its payload and every attempt; nil when there is none with this id.
    func get(_ id: DeliveryRecord.ID) throws(Failure) -> DeliveryRecordDetail?

    /// One page of deliveries, newest first, without payloads (keyset pagination on the id:
    /// stable while deliveries are added or pruned).
    /// - Parameters:
    ///   - code: only this webhook's; nil for all.
    ///   - status: only those in this status; nil for all.
    ///   - since: only those enqueued at or after this time.
    ///   - limit: at most this many (at least 1).
    ///   - cursor: the previous page's `nextCursor`; nil for the first page.
    func list(code: String?, status: DeliveryStatus?, since: Double?, limit: Int, cursor: DeliveryRecord.ID?) throws(Failure) -> DeliveryQueuePage

    /// Counts per status and the oldest unfinished delivery's age, for one webhook or all.
    func stats(code: String?, now: Double) throws(Failure) -> DeliveryQueueStats

    /// Deletes final deliveries (with their payloads and attempts) that finished longer ago
    /// than their retention: `delivered` after `deliveredRetention` seconds, `dead` and
    /// `cancelled` after `deadRetention`.
    /// - Returns: how many deliveries were deleted.
    func prune(now: Double, deliveredRetention: Double, deadRetention: Double) throws(Failure) -> Int
}

extension DeliveryQueue {
    /// Retention of delivered deliveries when not configured (`delivery.retention_days`): 7 days.
    public static var defaultDeliveredRetention: Double { 7 * 86_400 }
    /// Retention of dead and cancelled deliveries when not configured: 30 days.
    public static var defaultDeadRetention: Double { 30 * 86_400 }

    /// `prune` with the default retentions (7 days delivered, 30 days dead).
    public func prune(now: Double) throws(Failure) -> Int {
        try prune(now: now, deliveredRetention: Self.defaultDeliveredRetention, deadRetention: Self.defaultDeadRetention)
    }

    /// `claimDue` excluding nothing.
    public func claimDue(now: Double, limit: Int) throws(Failure) -> [DeliveryRecord] {
        try claimDue(now: now, limit: limit, excludingCodes: [])
    }
}
