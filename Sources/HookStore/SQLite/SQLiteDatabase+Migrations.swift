extension SQLiteDatabase {
    /// Brings the schema up to the last of `migrations`, one transaction per step.
    ///
    /// Each step re-reads `user_version` inside its transaction (which holds the write lock), so
    /// two processes opening the same file at once never apply a step twice.
    /// - Parameter migrations: numbered 1, 2, … in order (an invariant of the caller's code).
    /// - Returns: the versions applied now; empty when the schema was already current.
    /// - Throws: `StoreError` with code `.schemaTooNew` when the file was migrated by a newer
    ///   hookd (the file is left untouched), or the failing step's SQLite error (that step is
    ///   rolled back; earlier steps stay).
    func migrate(_ migrations: [SQLiteMigration]) throws(StoreError) -> [Int] {
        for (offset, migration) in migrations.enumerated() {
            precondition(migration.version == offset + 1, "migrations must be numbered 1, 2, … without gaps")
        }
        let latest = migrations.count
        try refuseNewerSchema(than: latest)
        var applied: [Int] = []
        var known = try userVersion()
        for migration in migrations where migration.version > known {
            let operation = "migrate \(path) to schema version \(migration.version) (\(migration.summary))"
            let ran = try transaction(operation) { () throws(StoreError) -> Bool in
                known = try userVersion()
                guard known < migration.version else { return false }
                try execute(migration.sql, operation: operation)
                try execute("PRAGMA user_version = \(migration.version)", operation: operation)
                return true
            }
            if ran { applied.append(migration.version) }
        }
        try refuseNewerSchema(than: latest)
        return applied
    }

    private func refuseNewerSchema(than latest: Int) throws(StoreError) {
        let version = try userVersion()
        guard version <= latest else {
            throw StoreError(
                code: .schemaTooNew, operation: "open \(path)",
                message: "the database has schema version \(version), newer than the \(latest) this hookd knows; "
                    + "it was written by a newer hookd. Upgrade hookd, or point store.path at another file")
        }
    }
}
