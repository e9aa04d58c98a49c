extension SQLiteDatabase {
    /// Runs `body` in a write transaction: `BEGIN IMMEDIATE`, then `COMMIT`, or `ROLLBACK` when
    /// `body` (or the commit) throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a transaction that reads and then writes
    /// cannot fail half way with `SQLITE_BUSY` when another process writes at the same time.
    /// - Throws: what `body` throws, or `StoreError` when the transaction cannot begin or commit.
    func transaction<Result>(
        _ operation: String, _ body: () throws(StoreError) -> Result
    ) throws(StoreError) -> Result {
        try execute("BEGIN IMMEDIATE", operation: operation)
        do throws(StoreError) {
            let result = try body()
            try execute("COMMIT", operation: operation)
            return result
        } catch {
            // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL); only roll
            // back a transaction that is still open. The original error is the one to report.
            if !isAutocommit { try? execute("ROLLBACK", operation: operation) }
            throw error
        }
    }
}
