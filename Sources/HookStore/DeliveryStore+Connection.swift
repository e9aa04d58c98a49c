import HookCore

extension DeliveryStore {
    /// How a transaction's commit reaches the disk.
    ///
    /// In WAL mode SQLite commits by appending to the `-wal` file. With `synchronous=FULL` it
    /// fsyncs the WAL at every commit: the transaction survives a power cut or kernel crash.
    /// With `NORMAL` it does not: the commit survives the process being killed (the data is in
    /// the kernel's page cache) but a power cut may lose the last commits. WAL recovery keeps a
    /// prefix of the log (every frame is checksummed over all before it), so a later FULL commit
    /// also makes every earlier NORMAL one durable, and a loss never reorders history.
    enum Commit {
        /// A commit a caller is told about (`enqueue`'s `accepted`, `cancel`): FULL.
        case acknowledged
        /// Bookkeeping whose loss only repeats work (a claim, an attempt's outcome, the start-up
        /// requeue, pruning): NORMAL. Losing one re-sends a delivery, which at-least-once
        /// allows, and never loses one.
        case relaxed
    }

    /// Everything the store's lock guards: the connection and what is derived from the file.
    struct State {
        /// The connection (multi-thread mode: only ever used under the lock).
        let database: SQLiteDatabase
        /// Makes this store's ids, continuing after the newest stored one.
        var ids: DeliveryRecord.ID.Generator
        /// Unfinished deliveries (`queued`, `in_flight`, `retrying`): counted when the file is
        /// opened and after each prune, kept up to date by every commit in between, so
        /// `enqueue` checks `max_queued` without counting a million rows.
        var unfinished: Int
        /// The connection's current `synchronous` setting.
        var commit: Commit

        /// Runs `body` in one write transaction, committed as `commit` asks.
        mutating func write<Result>(
            _ operation: String, _ commit: Commit, _ body: (SQLiteDatabase) throws(StoreError) -> Result
        ) throws(StoreError) -> Result {
            if commit != self.commit {
                let setting = commit == .acknowledged ? "FULL" : "NORMAL"
                try database.execute("PRAGMA synchronous = \(setting)", operation: "set synchronous=\(setting) on \(database.path)")
                self.commit = commit
            }
            let database = database
            return try database.transaction(operation) { () throws(StoreError) -> Result in try body(database) }
        }

        /// Runs `body` in one read transaction, so what it reads in several statements is of one
        /// moment even if another process writes the file.
        func read<Result>(_ operation: String, _ body: (SQLiteDatabase) throws(StoreError) -> Result) throws(StoreError) -> Result {
            try database.execute("BEGIN", operation: operation)
            do throws(StoreError) {
                let result = try body(database)
                try database.execute("COMMIT", operation: operation)
                return result
            } catch {
                // As in `transaction`: the original error is the one to report.
                if !database.isAutocommit { try? database.execute("ROLLBACK", operation: operation) }
                throw error
            }
        }

        /// Counts unfinished deliveries (one look-up per status in `deliveries_by_status`).
        static func countUnfinished(_ database: SQLiteDatabase) throws(StoreError) -> Int {
            let statement = try database.prepare(
                "SELECT count(*) FROM deliveries WHERE status IN \(DeliveryStore.unfinishedSQL)",
                operation: "count unfinished deliveries in \(database.path)")
            guard try statement.step() else { return 0 }
            return Int(statement.integer(at: 0))
        }

        /// The newest id stored, so new ids sort after it even if the clock went back.
        static func newestID(_ database: SQLiteDatabase) throws(StoreError) -> DeliveryRecord.ID? {
            let statement = try database.prepare("SELECT max(id) FROM deliveries", operation: "read newest delivery id in \(database.path)")
            guard try statement.step(), let text = statement.text(at: 0) else { return nil }
            return DeliveryRecord.ID(text)
        }
    }
}
