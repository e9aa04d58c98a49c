extension SQLiteDatabase {
    /// How long a statement waits for another process's lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMilliseconds = 5000

    /// Applies the connection settings every store connection needs:
    /// - `busy_timeout`: wait for a lock instead of failing at once (set first, so the others wait too);
    /// - `journal_mode=WAL`: readers never block the writer and a crash never leaves a half-written page;
    /// - `synchronous=NORMAL`: with WAL, durable across application crashes, fsync only at checkpoints;
    /// - `foreign_keys=ON`: SQLite's default is off, per connection.
    /// - Throws: `StoreError` when a setting fails, or when the file system cannot do WAL.
    func configure() throws(StoreError) {
        try execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)", operation: "set busy_timeout on \(path)")
        let mode = try singleText("PRAGMA journal_mode = WAL", operation: "set journal_mode=WAL on \(path)")
        guard mode?.lowercased() == "wal" else {
            throw StoreError(code: .sqlite, operation: "set journal_mode=WAL on \(path)",
                             message: "SQLite kept journal mode '\(mode ?? "none")'; the file system may not support WAL (shared memory)")
        }
        try execute("PRAGMA synchronous = NORMAL", operation: "set synchronous=NORMAL on \(path)")
        try execute("PRAGMA foreign_keys = ON", operation: "set foreign_keys=ON on \(path)")
    }

    /// The schema version recorded in the file's header (`PRAGMA user_version`).
    func userVersion() throws(StoreError) -> Int {
        let statement = try prepare("PRAGMA user_version", operation: "read user_version of \(path)")
        guard try statement.step() else { return 0 }
        return Int(statement.integer(at: 0))
    }

    /// The first column of the first row of a parameterless query, nil when there is no row.
    func singleText(_ sql: String, operation: String) throws(StoreError) -> String? {
        let statement = try prepare(sql, operation: operation)
        guard try statement.step() else { return nil }
        return statement.text(at: 0)
    }
}
