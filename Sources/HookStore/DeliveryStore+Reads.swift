import HookCore

extension DeliveryStore {
    public func get(_ id: DeliveryRecord.ID) throws(StoreError) -> DeliveryRecordDetail? {
        let operation = "read delivery \(id)"
        return try state.withLock { (state: inout State) throws(StoreError) -> DeliveryRecordDetail? in
            try state.read(operation) { database throws(StoreError) -> DeliveryRecordDetail? in
                let select = try database.prepare("\(Self.recordWithPayload) WHERE id = ?1", operation: operation)
                try select.bind([.text(id.rawValue)])
                guard try select.step() else { return nil }
                let record = try Self.record(from: select, withPayload: true)
                let attempts = try database.prepare("""
                    SELECT number, at, status_code, duration_ms, error, response_preview FROM delivery_attempts
                    WHERE delivery_id = ?1 ORDER BY number
                    """, operation: operation)
                try attempts.bind([.text(id.rawValue)])
                var list: [DeliveryAttempt] = []
                while try attempts.step() { list.append(Self.attempt(from: attempts)) }
                return DeliveryRecordDetail(record: record, attempts: list)
            }
        }
    }

    public func list(
        code: String?, status: DeliveryStatus?, since: Double?, limit: Int, cursor: DeliveryRecord.ID?
    ) throws(StoreError) -> DeliveryQueuePage {
        // Only the conditions given, so SQLite can pick the index that fits them.
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        func add(_ condition: String, _ value: SQLiteValue) {
            values.append(value)
            conditions.append(condition.replacing("?", with: "?\(values.count)"))
        }
        if let code { add("code = ?", .text(code)) }
        if let status { add("status = ?", .text(status.rawValue)) }
        if let since {
            add("created_at >= ?", .double(since))
            // An id's time is never earlier than its creation: a bound the id index can seek to.
            add("id >= ?", .text(DeliveryRecord.ID.smallest(atOrAfter: since).rawValue))
        }
        if let cursor { add("id < ?", .text(cursor.rawValue)) }
        let pageSize = max(limit, 1)
        values.append(.integer(Int64(pageSize) + 1))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.recordColumns) FROM deliveries \(whereClause) ORDER BY id DESC LIMIT ?\(values.count)"
        return try state.withLock { (state: inout State) throws(StoreError) -> DeliveryQueuePage in
            let statement = try state.database.prepare(sql, operation: "list deliveries")
            try statement.bind(values)
            var records: [DeliveryRecord] = []
            while try statement.step() {
                guard records.count < pageSize else {
                    return DeliveryQueuePage(records: records, nextCursor: records.last?.id)
                }
                records.append(try Self.record(from: statement, withPayload: false))
            }
            return DeliveryQueuePage(records: records, nextCursor: nil)
        }
    }

    public func stats(code: String?, now: Double) throws(StoreError) -> DeliveryQueueStats {
        let operation = code.map { "count deliveries of \($0)" } ?? "count deliveries"
        let codeFilter = code == nil ? "" : "AND code = ?2"
        return try state.withLock { (state: inout State) throws(StoreError) -> DeliveryQueueStats in
            try state.read(operation) { database throws(StoreError) -> DeliveryQueueStats in
                var stats = DeliveryQueueStats()
                // Index-only: `deliveries_by_status`, or `deliveries_by_code_status` for one webhook.
                let counts = try database.prepare(
                    "SELECT status, count(*) FROM deliveries \(code == nil ? "" : "WHERE code = ?1") GROUP BY status",
                    operation: operation)
                try counts.bind(code.map { [.text($0)] } ?? [])
                while try counts.step() {
                    // A status a newer hookd added is not ours to count.
                    guard let status = DeliveryStatus(rawValue: counts.text(at: 0) ?? "") else { continue }
                    stats[status] = Int(counts.integer(at: 1))
                }
                // The first-enqueued unfinished delivery: the smallest id of each unfinished status
                // is one index seek each.
                let oldest = try database.prepare(
                    "SELECT id, created_at FROM deliveries WHERE status = ?1 \(codeFilter) ORDER BY id LIMIT 1", operation: operation)
                var first: (id: String, createdAt: Double)?
                for status in DeliveryStatus.allCases where !status.isFinal {
                    oldest.reset()
                    try oldest.bind([.text(status.rawValue)] + (code.map { [.text($0)] } ?? []))
                    guard try oldest.step(), let id = oldest.text(at: 0) else { continue }
                    if first.map({ id < $0.id }) ?? true { first = (id, oldest.double(at: 1)) }
                }
                stats.oldestQueuedAge = first.map { max(now - $0.createdAt, 0) }
                return stats
            }
        }
    }

    /// Deletes in batches of `pruneBatchSize`, each its own transaction, so enqueues are not held
    /// up behind a long delete; then recounts the unfinished deliveries (a self-check of the
    /// running count).
    public func prune(now: Double, deliveredRetention: Double, deadRetention: Double) throws(StoreError) -> Int {
        let operation = "prune deliveries"
        var total = 0
        while true {
            let deleted = try state.withLock { (state: inout State) throws(StoreError) -> Int in
                try state.write(operation, .relaxed) { database throws(StoreError) -> Int in
                    let statement = try database.prepare("""
                        DELETE FROM deliveries WHERE id IN (
                            SELECT id FROM deliveries
                            WHERE finished_at <= ?3
                              AND ((status = 'delivered' AND finished_at <= ?1)
                                   OR (status IN ('dead', 'cancelled') AND finished_at <= ?2))
                            LIMIT ?4)
                        """, operation: operation)
                    let deliveredBefore = now - deliveredRetention
                    let deadBefore = now - deadRetention
                    try statement.bind([
                        .double(deliveredBefore), .double(deadBefore), .double(max(deliveredBefore, deadBefore)),
                        .integer(Int64(Self.pruneBatchSize)),
                    ])
                    try statement.run()
                    return database.changes
                }
            }
            total += deleted
            if deleted < Self.pruneBatchSize { break }
        }
        try state.withLock { (state: inout State) throws(StoreError) in
            state.unfinished = try State.countUnfinished(state.database)
        }
        return total
    }

    /// How many deliveries one prune transaction deletes at most.
    static let pruneBatchSize = 1000

    /// Checks that the queue answers, for `system.health`.
    /// - Returns: nil when a read of the deliveries table succeeds; otherwise the reason.
    public func checkHealth() -> String? {
        do {
            try state.withLock { (state: inout State) throws(StoreError) in
                let statement = try state.database.prepare(
                    "SELECT 1 FROM deliveries LIMIT 1", operation: "check health of \(state.database.path)")
                try statement.run()
            }
            return nil
        } catch {
            return error.description
        }
    }

    /// The connection's `synchronous` setting (0 OFF, 1 NORMAL, 2 FULL), for tests.
    func synchronousSetting() throws(StoreError) -> String? {
        try state.withLock { (state: inout State) throws(StoreError) -> String? in
            try state.database.singleText("PRAGMA synchronous", operation: "read synchronous")
        }
    }
}
