import HookCore
import Synchronization

/// The delivery queue in an embedded SQLite file (`delivery.queue_path`, by default
/// `<state_dir>/deliveries.db`): hookd's default `DeliveryQueue`.
///
/// Durable by construction: `enqueue` returns only after its transaction committed with
/// `synchronous=FULL`, so a delivery the caller was told about survives a kill -9 and a power
/// cut. Claims and attempt outcomes commit with `NORMAL` (see `Commit`): losing one to a power
/// cut only sends a delivery again, which at-least-once allows. The file is its own (not the
/// registry's), so a burst of deliveries never waits behind registry writes nor the reverse;
/// it is created 0600 in a 0700 directory because payloads may be personal data.
///
/// One connection behind a `Mutex` serves the process, and this store must be the file's only
/// writer: it keeps the unfinished count in memory. Every method blocks the calling thread on
/// SQLite and the disk (an fsync for acknowledged commits). Call it from a thread pool, never
/// on an event loop; gather concurrent `webhook.deliver` calls into one `enqueue` batch so they
/// share one fsync.
public final class DeliveryStore: DeliveryQueue {
    /// The connection and its derived state; only ever touched under this lock.
    let state: Mutex<State>
    /// The database file.
    public let path: String
    /// The bounds this store keeps.
    public let limits: DeliveryQueueLimits
    /// The schema version of the open database (`PRAGMA user_version`), after migrations.
    public let schemaVersion: Int
    /// The migrations this instance applied when it opened the file; empty when it was current.
    let appliedMigrations: [Int]

    /// Opens the queue at `path`, creating it (and its directory) when missing and bringing its
    /// schema up to date. Deliveries left `in_flight` by a crash stay so until `requeueInFlight`.
    ///
    /// A missing directory is created 0700 and a missing file 0600 before SQLite opens it. The
    /// connection runs in WAL mode with `foreign_keys=ON` and a 5 s busy timeout.
    /// - Parameters:
    ///   - path: the database file, e.g. `/var/lib/hookd/deliveries.db`.
    ///   - limits: `max_queued` and the idempotency window.
    /// - Throws: `StoreError`: `.fileSystem` when the directory or file cannot be created,
    ///   `.schemaTooNew` when a newer hookd wrote the file (it is left untouched), `.sqlite` otherwise.
    public init(path: String, limits: DeliveryQueueLimits = DeliveryQueueLimits()) throws(StoreError) {
        try StoreFile.prepare(path: path)
        let database = try SQLiteDatabase(path: path)
        try database.configure()
        do throws(StoreError) {
            appliedMigrations = try database.migrate(Self.migrations)
        } catch {
            var error = error
            // The shared migration text names the registry's setting; this file has its own.
            if error.code == .schemaTooNew { error.message = error.message.replacing("store.path", with: "delivery.queue_path") }
            throw error
        }
        schemaVersion = try database.userVersion()
        let unfinished = try State.countUnfinished(database)
        let ids = DeliveryRecord.ID.Generator(after: try State.newestID(database))
        self.path = path
        self.limits = limits
        // `configure()` left the connection at synchronous=NORMAL.
        state = Mutex(State(database: database, ids: ids, unfinished: unfinished, commit: .relaxed))
    }

    // MARK: Claiming and attempts

    public func claimDue(now: Double, limit: Int, excludingCodes: Set<String>) throws(StoreError) -> [DeliveryRecord] {
        guard limit > 0 else { return [] }
        let excluded = excludingCodes.sorted()
        let operation = "claim due deliveries"
        return try state.withLock { (state: inout State) throws(StoreError) -> [DeliveryRecord] in
            try state.write(operation, .relaxed) { database throws(StoreError) -> [DeliveryRecord] in
                var claimed: [DeliveryRecord] = []
                do {
                    let select = try database.prepare(Self.claimSQL(excluding: excluded.count), operation: operation)
                    try select.bind([.double(now), .integer(Int64(limit))] + excluded.map { .text($0) })
                    while try select.step() { claimed.append(try Self.record(from: select, withPayload: true)) }
                }
                // Updated after the select finished: changing rows under a running scan is undefined.
                let update = try database.prepare(
                    "UPDATE deliveries SET status = 'in_flight', next_attempt_at = NULL WHERE id = ?1", operation: operation)
                for index in claimed.indices {
                    update.reset()
                    try update.bind([.text(claimed[index].id.rawValue)])
                    try update.run()
                    claimed[index].status = .inFlight
                    claimed[index].nextAttemptAt = nil
                }
                return claimed
            }
        }
    }

    public func nextDueAt(excludingCodes: Set<String>) throws(StoreError) -> Double? {
        let excluded = excludingCodes.sorted()
        return try state.withLock { (state: inout State) throws(StoreError) -> Double? in
            let statement = try state.database.prepare(Self.nextDueSQL(excluding: excluded.count), operation: "find the next due delivery")
            try statement.bind(excluded.map { .text($0) })
            guard try statement.step() else { return nil }
            return statement.double(at: 0)
        }
    }

    public func recordAttempt(
        _ id: DeliveryRecord.ID, _ attempt: DeliveryAttempt, outcome: DeliveryAttempt.Outcome
    ) throws(StoreError) -> DeliveryRecord? {
        try recordAttempts([DeliveryAttempt.Report(deliveryID: id, attempt: attempt, outcome: outcome)]).first ?? nil
    }

    public func recordAttempts(_ reports: [DeliveryAttempt.Report]) throws(StoreError) -> [DeliveryRecord?] {
        guard !reports.isEmpty else { return [] }
        let operation = reports.count == 1
            ? "record attempt \(reports[0].attempt.number) of delivery \(reports[0].deliveryID)"
            : "record \(reports.count) attempts"
        return try state.withLock { (state: inout State) throws(StoreError) -> [DeliveryRecord?] in
            var finished = 0
            let records = try state.write(operation, .relaxed) { database throws(StoreError) -> [DeliveryRecord?] in
                let current = try database.prepare("SELECT status FROM deliveries WHERE id = ?1", operation: operation)
                let insert = try database.prepare("""
                    INSERT INTO delivery_attempts (delivery_id, number, at, status_code, duration_ms, error, response_preview)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                    """, operation: operation)
                let conclude = try database.prepare("""
                    UPDATE deliveries SET status = ?2, next_attempt_at = ?3, finished_at = ?4, last_error = ?5,
                        dead_reason = ?6, attempt_count = max(attempt_count, ?7)
                    WHERE id = ?1 RETURNING \(Self.recordColumns)
                    """, operation: operation)
                // Cancelled while in flight (or otherwise moved on): keep the attempt, not its verdict.
                let count = try database.prepare(
                    "UPDATE deliveries SET attempt_count = max(attempt_count, ?2) WHERE id = ?1 RETURNING \(Self.recordColumns)",
                    operation: operation)
                var records: [DeliveryRecord?] = []
                records.reserveCapacity(reports.count)
                for report in reports {
                    let id = report.deliveryID.rawValue
                    let attempt = report.attempt
                    current.reset()
                    try current.bind([.text(id)])
                    guard try current.step() else {
                        records.append(nil)
                        continue
                    }
                    let wasInFlight = current.text(at: 0) == DeliveryStatus.inFlight.rawValue
                    current.reset()
                    insert.reset()
                    try insert.bind([
                        .text(id), .integer(Int64(attempt.number)), .double(attempt.at),
                        attempt.statusCode.map { .integer(Int64($0)) } ?? .null, .double(attempt.durationMilliseconds),
                        .text(attempt.error), .text(attempt.responsePreview),
                    ])
                    try insert.run()
                    if wasInFlight {
                        let (status, next, reason): (DeliveryStatus, Double?, String?) = switch report.outcome {
                        case .delivered: (.delivered, nil, nil)
                        case .retry(let at): (.retrying, at, nil)
                        case .dead(let reason): (.dead, nil, reason)
                        }
                        let end = attempt.at + attempt.durationMilliseconds / 1000
                        conclude.reset()
                        try conclude.bind([
                            .text(id), .text(status.rawValue), next.map { .double($0) } ?? .null,
                            status.isFinal ? .double(end) : .null, .text(status == .delivered ? nil : attempt.error),
                            .text(reason), .integer(Int64(attempt.number)),
                        ])
                        records.append(try Self.updated(conclude))
                        if status.isFinal { finished += 1 }
                    } else {
                        count.reset()
                        try count.bind([.text(id), .integer(Int64(attempt.number))])
                        records.append(try Self.updated(count))
                    }
                }
                return records
            }
            // Only now, after the commit.
            state.unfinished -= finished
            return records
        }
    }

    public func requeueInFlight(now: Double) throws(StoreError) -> Int {
        try state.withLock { (state: inout State) throws(StoreError) -> Int in
            try state.write("requeue in-flight deliveries", .relaxed) { database throws(StoreError) -> Int in
                let statement = try database.prepare(
                    "UPDATE deliveries SET status = 'queued', next_attempt_at = ?1 WHERE status = 'in_flight'",
                    operation: "requeue in-flight deliveries")
                try statement.bind([.double(now)])
                try statement.run()
                return database.changes
            }
        }
    }

    public func release(_ ids: [DeliveryRecord.ID], nextAttemptAt: Double) throws(StoreError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try state.withLock { (state: inout State) throws(StoreError) -> Int in
            try state.write("release \(ids.count) claimed deliveries", .relaxed) { database throws(StoreError) -> Int in
                let statement = try database.prepare(
                    "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2 WHERE id = ?1 AND status = 'in_flight'",
                    operation: "release claimed deliveries")
                var released = 0
                for id in ids {
                    try statement.bind([.text(id.rawValue), .double(nextAttemptAt)])
                    try statement.run()
                    released += database.changes
                    statement.reset()
                }
                return released
            }
        }
    }

    public func cancel(_ id: DeliveryRecord.ID, now: Double) throws(StoreError) -> DeliveryQueueCancelResult {
        let operation = "cancel delivery \(id)"
        return try state.withLock { (state: inout State) throws(StoreError) -> DeliveryQueueCancelResult in
            let result = try state.write(operation, .acknowledged) { database throws(StoreError) -> DeliveryQueueCancelResult in
                let select = try database.prepare("SELECT \(Self.recordColumns) FROM deliveries WHERE id = ?1", operation: operation)
                try select.bind([.text(id.rawValue)])
                guard try select.step() else { return .notFound }
                let current = try Self.record(from: select, withPayload: false)
                guard !current.status.isFinal else { return .alreadyFinal(current) }
                let update = try database.prepare("""
                    UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, finished_at = ?2
                    WHERE id = ?1 RETURNING \(Self.recordColumns)
                    """, operation: operation)
                try update.bind([.text(id.rawValue), .double(now)])
                guard try update.step() else { return .notFound }
                let cancelled = try Self.record(from: update, withPayload: false)
                try update.run()
                return .cancelled(cancelled)
            }
            if case .cancelled = result { state.unfinished -= 1 }
            return result
        }
    }

    // MARK: Helpers

    /// The due deliveries with payloads, earliest due first: `?1` now, `?2` the limit, `?3…` the
    /// excluded codes. It walks the partial index `deliveries_due` in order and stops at the
    /// limit. `INDEXED BY` because without `ANALYZE` statistics SQLite prefers
    /// `deliveries_by_status` and then sorts every waiting row.
    static func claimSQL(excluding count: Int) -> String {
        """
        SELECT \(recordColumns), \(payloadColumns)
        FROM deliveries INDEXED BY deliveries_due JOIN delivery_payloads ON delivery_payloads.delivery_id = deliveries.id
        WHERE status IN ('queued', 'retrying') AND next_attempt_at <= ?1 \(excludingCodesSQL(count, from: 3))
        ORDER BY next_attempt_at, id LIMIT ?2
        """
    }

    /// The earliest due time of a waiting delivery: `?1…` the excluded codes. One step along
    /// `deliveries_due` (see `claimSQL`).
    static func nextDueSQL(excluding count: Int) -> String {
        """
        SELECT next_attempt_at FROM deliveries INDEXED BY deliveries_due
        WHERE status IN ('queued', 'retrying') \(excludingCodesSQL(count, from: 1)) ORDER BY next_attempt_at LIMIT 1
        """
    }

    /// The row an `UPDATE … RETURNING recordColumns` returns, run to completion.
    static func updated(_ statement: borrowing SQLiteDatabase.Statement) throws(StoreError) -> DeliveryRecord? {
        guard try statement.step() else { return nil }
        let record = try record(from: statement, withPayload: false)
        try statement.run()
        return record
    }

    /// ` AND code NOT IN (?first, …)` for `count` excluded codes; empty for none.
    static func excludingCodesSQL(_ count: Int, from first: Int) -> String {
        guard count > 0 else { return "" }
        return "AND code NOT IN (" + (first..<(first + count)).map { "?\($0)" }.joined(separator: ", ") + ")"
    }
}
