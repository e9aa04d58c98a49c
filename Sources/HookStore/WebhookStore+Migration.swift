import CSQLite
import HookCore

/// The migration tool's journal and credential backups (schema v6): each step of a webhook's move
/// into Infisical is committed here before the next begins, so a crash resumes or rolls back cleanly.
extension WebhookStore {
    /// What switching a webhook's credential source found.
    public enum SwitchOutcome: Sendable, Equatable {
        case switched
        /// The webhook was deleted meanwhile.
        case webhookMissing
        /// Its credential is no longer the one planned (someone changed it meanwhile): nothing was done.
        case changed(source: CredentialSourceKind, reference: String?)
    }

    /// The journal's rows, ordered by code then direction; only `keys`' when given.
    public func migrationEntries(_ keys: [WebhookKey]? = nil) throws(StoreError) -> [MigrationJournalEntry] {
        let wanted = keys.map(Set.init)
        return try database.withLock { database throws(StoreError) -> [MigrationJournalEntry] in
            let statement = try database.prepare("SELECT \(Self.journalColumns) FROM migration_journal ORDER BY code, direction",
                                                 operation: "read the migration journal")
            var entries: [MigrationJournalEntry] = []
            while try statement.step() {
                let entry = try Self.journalEntry(from: statement)
                if wanted?.contains(entry.key) ?? true { entries.append(entry) }
            }
            return entries
        }
    }

    /// One webhook's journal row, nil when it never migrated.
    public func migrationEntry(_ key: WebhookKey) throws(StoreError) -> MigrationJournalEntry? {
        try database.withLock { database throws(StoreError) -> MigrationJournalEntry? in
            let statement = try database.prepare(
                "SELECT \(Self.journalColumns) FROM migration_journal WHERE code = ?1 AND direction = ?2", operation: "read the migration of \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue)])
            guard try statement.step() else { return nil }
            return try Self.journalEntry(from: statement)
        }
    }

    /// Writes a webhook's journal row (insert or replace), committed before this returns.
    public func saveMigrationEntry(_ entry: MigrationJournalEntry) throws(StoreError) {
        try database.withLock { database throws(StoreError) in
            try Self.save(entry, in: database)
        }
    }

    /// Points the webhook at its Infisical secret, keeps its old credential in `credential_backup`
    /// and records `entry`, all in one transaction: either all of it happened or none did.
    /// - Parameters:
    ///   - expected: the source and reference the migration read the value from; the switch is
    ///     refused (`.changed`) when the row holds another.
    ///   - entry: the journal row as it stands once switched.
    public func switchToInfisical(_ key: WebhookKey, expected: (source: CredentialSourceKind, reference: String?), entry: MigrationJournalEntry,
                                  now: String) throws(StoreError) -> SwitchOutcome {
        try database.withLock { database throws(StoreError) -> SwitchOutcome in
            try database.transaction("switch \(key) to infisical") { () throws(StoreError) -> SwitchOutcome in
                guard let current = try Self.credentialColumns(key, in: database) else { return .webhookMissing }
                guard current.source == expected.source, current.reference == expected.reference else {
                    return .changed(source: current.source, reference: current.reference)
                }
                let backup = try database.prepare("""
                    INSERT OR REPLACE INTO credential_backup (code, direction, credential_source, credential_ref, legacy_credential, backed_up_at)
                    SELECT code, direction, credential_source, credential_ref, legacy_credential, ?3 FROM webhooks WHERE code = ?1 AND direction = ?2
                    """, operation: "back up the credential of \(key)")
                try backup.bind([.text(key.code), .text(key.direction.rawValue), .text(now)])
                try backup.run()
                try Self.pointRow(key, source: .infisical, reference: entry.secretName, legacyValue: nil, now: now, in: database)
                try Self.save(entry, in: database)
                return .switched
            }
        }
    }

    /// The credential a webhook had before it migrated; nil when none is kept.
    public func credentialBackup(_ key: WebhookKey) throws(StoreError) -> CredentialBackup? {
        try database.withLock { database throws(StoreError) -> CredentialBackup? in
            try Self.backup(key, in: database)
        }
    }

    /// Puts a migrated webhook back on its backed-up credential and records `entry`, in one
    /// transaction; the backup is dropped with it (the value lives in the row again).
    /// - Parameter expectedSecret: the Infisical secret the row must still point at; a row
    ///   changed since the migration is left alone (`.changed`).
    public func restoreFromBackup(_ key: WebhookKey, expectedSecret: String, entry: MigrationJournalEntry,
                                  now: String) throws(StoreError) -> SwitchOutcome {
        try database.withLock { database throws(StoreError) -> SwitchOutcome in
            try database.transaction("restore the credential of \(key)") { () throws(StoreError) -> SwitchOutcome in
                guard let current = try Self.credentialColumns(key, in: database) else { return .webhookMissing }
                guard current.source == .infisical, current.reference == expectedSecret, let backup = try Self.backup(key, in: database) else {
                    return .changed(source: current.source, reference: current.reference)
                }
                try Self.pointRow(key, source: backup.source, reference: backup.reference, legacyValue: backup.legacyValue, now: now, in: database)
                let drop = try database.prepare("DELETE FROM credential_backup WHERE code = ?1 AND direction = ?2",
                                                operation: "drop the credential backup of \(key)")
                try drop.bind([.text(key.code), .text(key.direction.rawValue)])
                try drop.run()
                try Self.save(entry, in: database)
                return .switched
            }
        }
    }

    // MARK: - Rows

    private static let journalColumns = """
        code, direction, state, step, secret_name, secret_path, environment, value_sha256, created_secret, written, \
        validation_before, reason, updated_at
        """

    private static func save(_ entry: MigrationJournalEntry, in database: SQLiteDatabase) throws(StoreError) {
        let statement = try database.prepare(
            "INSERT OR REPLACE INTO migration_journal (\(journalColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            operation: "journal the migration of \(entry.key)")
        try statement.bind([
            .text(entry.key.code), .text(entry.key.direction.rawValue), .text(entry.state.rawValue), .text(entry.step?.rawValue),
            .text(entry.secretName), .text(entry.secretPath), .text(entry.environment), .text(entry.valueSHA256),
            .bool(entry.createdSecret), .bool(entry.written), .text(entry.validationBefore), .text(entry.reason), .text(entry.updatedAt),
        ])
        try statement.run()
    }

    private static func journalEntry(from row: borrowing SQLiteDatabase.Statement) throws(StoreError) -> MigrationJournalEntry {
        let code = row.text(at: 0) ?? ""
        let directionText = row.text(at: 1) ?? ""
        func fail(_ column: String, _ reason: String) -> StoreError {
            StoreError(code: .undecodableRow, operation: "read the migration of \(code)/\(directionText)", message: "column \(column) \(reason)")
        }
        guard let direction = WebhookDirection(rawValue: directionText), let key = try? WebhookKey(code: code, direction: direction) else {
            throw fail("direction", "is not a webhook key")
        }
        let stateText = row.text(at: 2) ?? ""
        guard let state = MigrationJournalEntry.State(rawValue: stateText) else {
            throw fail("state", StoreRowText.enumerationReason(stateText, MigrationJournalEntry.State.self))
        }
        var step: MigrationJournalEntry.Step? = nil
        if let stepText = row.text(at: 3) {
            guard let known = MigrationJournalEntry.Step(rawValue: stepText) else {
                throw fail("step", StoreRowText.enumerationReason(stepText, MigrationJournalEntry.Step.self))
            }
            step = known
        }
        return MigrationJournalEntry(
            key: key, state: state, step: step, secretName: row.text(at: 4) ?? "", secretPath: row.text(at: 5) ?? "/",
            environment: row.text(at: 6) ?? "", valueSHA256: row.text(at: 7) ?? "", createdSecret: row.integer(at: 8) != 0,
            written: row.integer(at: 9) != 0, validationBefore: row.text(at: 10), reason: row.text(at: 11), updatedAt: row.text(at: 12) ?? "")
    }

    private static func credentialColumns(_ key: WebhookKey, in database: SQLiteDatabase)
        throws(StoreError) -> (source: CredentialSourceKind, reference: String?)? {
        let statement = try database.prepare("SELECT credential_source, credential_ref FROM webhooks WHERE code = ?1 AND direction = ?2",
                                             operation: "read the credential source of \(key)")
        try statement.bind([.text(key.code), .text(key.direction.rawValue)])
        guard try statement.step() else { return nil }
        let text = statement.text(at: 0) ?? ""
        guard let source = CredentialSourceKind(rawValue: text) else {
            throw undecodable(key.code, key.direction.rawValue, column: "credential_source", StoreRowText.enumerationReason(text, CredentialSourceKind.self))
        }
        return (source, statement.text(at: 1))
    }

    private static func backup(_ key: WebhookKey, in database: SQLiteDatabase) throws(StoreError) -> CredentialBackup? {
        let statement = try database.prepare(
            "SELECT credential_source, credential_ref, legacy_credential, backed_up_at FROM credential_backup WHERE code = ?1 AND direction = ?2",
            operation: "read the credential backup of \(key)")
        try statement.bind([.text(key.code), .text(key.direction.rawValue)])
        guard try statement.step() else { return nil }
        let text = statement.text(at: 0) ?? ""
        guard let source = CredentialSourceKind(rawValue: text) else {
            throw undecodable(key.code, key.direction.rawValue, column: "credential_backup.credential_source",
                              StoreRowText.enumerationReason(text, CredentialSourceKind.self))
        }
        return CredentialBackup(source: source, reference: statement.text(at: 1), legacyValue: statement.text(at: 2),
                                backedUpAt: statement.text(at: 3) ?? "")
    }

    private static func pointRow(_ key: WebhookKey, source: CredentialSourceKind, reference: String?, legacyValue: String?, now: String,
                                 in database: SQLiteDatabase) throws(StoreError) {
        let statement = try database.prepare("""
            UPDATE webhooks SET credential_source = ?3, credential_ref = ?4, legacy_credential = ?5, updated_at = ?6
            WHERE code = ?1 AND direction = ?2
            """, operation: "point \(key) at its credential")
        try statement.bind([.text(key.code), .text(key.direction.rawValue), .text(source.rawValue), .text(reference), .text(legacyValue), .text(now)])
        try statement.run()
    }
}
