extension WebhookStore {
    /// The registry's schema history. Append new steps; never edit a released one.
    ///
    /// v1: one row per webhook, keyed by (code, direction). Enumerations (`type`, `auth_type`,
    /// `credential_source`, `direction`) are stored as their wire strings without CHECKs, so a
    /// newer hookd may add values; this one reports such rows as undecodable rather than
    /// guessing. `legacy_credential` holds the database-source secret and nothing else.
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1, summary: "create webhooks",
            sql: """
                CREATE TABLE webhooks (
                    code              TEXT    NOT NULL,
                    direction         TEXT    NOT NULL,
                    type              TEXT    NOT NULL,
                    url               TEXT,
                    method            TEXT    NOT NULL,
                    auth_type         TEXT    NOT NULL,
                    credential_source TEXT    NOT NULL,
                    credential_ref    TEXT,
                    legacy_credential TEXT,
                    headers           TEXT    NOT NULL DEFAULT '{}',
                    timeout_seconds   REAL    NOT NULL,
                    enabled           INTEGER NOT NULL,
                    description       TEXT    NOT NULL DEFAULT '',
                    created_at        TEXT    NOT NULL,
                    updated_at        TEXT    NOT NULL,
                    PRIMARY KEY (code, direction),
                    CONSTRAINT enabled_is_boolean CHECK (enabled IN (0, 1)),
                    CONSTRAINT timeout_is_positive CHECK (timeout_seconds > 0),
                    CONSTRAINT legacy_credential_only_for_database
                        CHECK (legacy_credential IS NULL OR credential_source = 'database')
                );
                """),
        // v2: a webhook's own alerting thresholds (a JSON object, '{}' for none) and the method
        // credential validation requests its endpoint with.
        SQLiteMigration(
            version: 2, summary: "add alerting overrides and validate_method",
            sql: """
                ALTER TABLE webhooks ADD COLUMN alerting TEXT NOT NULL DEFAULT '{}';
                ALTER TABLE webhooks ADD COLUMN validate_method TEXT NOT NULL DEFAULT 'HEAD';
                """),
        // v3: whether the credential may travel over plain http:// (off for every existing row:
        // what was allowed implicitly before must now be said explicitly).
        SQLiteMigration(
            version: 3, summary: "add allow_insecure_http",
            sql: """
                ALTER TABLE webhooks ADD COLUMN allow_insecure_http INTEGER NOT NULL DEFAULT 0
                    CONSTRAINT allow_insecure_http_is_boolean CHECK (allow_insecure_http IN (0, 1));
                """),
        // v4: a webhook's own delivery settings (`retry`, `breaker`, `max_in_flight`,
        // `rate_per_second`) as one JSON object; '{}' for every existing row: the global ones.
        SQLiteMigration(
            version: 4, summary: "add delivery overrides",
            sql: """
                ALTER TABLE webhooks ADD COLUMN delivery TEXT NOT NULL DEFAULT '{}';
                """),
        // v5: how `inbound.verify` checks an IN webhook's requests (`tolerance_seconds`,
        // `replay_window_seconds`, `generic`) as one JSON object; '{}' for every existing row: the defaults.
        SQLiteMigration(
            version: 5, summary: "add inbound settings",
            sql: """
                ALTER TABLE webhooks ADD COLUMN inbound TEXT NOT NULL DEFAULT '{}';
                """),
        // v6: the migration tool's journal (one row per webhook moved into Infisical: state, step,
        // target, a SHA-256 of the value written, never the value) and the credential each
        // migrated webhook had before (`credential_backup`: source, reference and the legacy
        // value, kept in this 0600 file for rollback). Both go with their webhook.
        SQLiteMigration(
            version: 6, summary: "add the migration journal and credential backups",
            sql: """
                CREATE TABLE migration_journal (
                    code              TEXT    NOT NULL,
                    direction         TEXT    NOT NULL,
                    state             TEXT    NOT NULL,
                    step              TEXT,
                    secret_name       TEXT    NOT NULL,
                    secret_path       TEXT    NOT NULL,
                    environment       TEXT    NOT NULL,
                    value_sha256      TEXT    NOT NULL,
                    created_secret    INTEGER NOT NULL DEFAULT 0,
                    written           INTEGER NOT NULL DEFAULT 0,
                    validation_before TEXT,
                    reason            TEXT,
                    updated_at        TEXT    NOT NULL,
                    PRIMARY KEY (code, direction),
                    FOREIGN KEY (code, direction) REFERENCES webhooks (code, direction) ON DELETE CASCADE
                );
                CREATE TABLE credential_backup (
                    code              TEXT    NOT NULL,
                    direction         TEXT    NOT NULL,
                    credential_source TEXT    NOT NULL,
                    credential_ref    TEXT,
                    legacy_credential TEXT,
                    backed_up_at      TEXT    NOT NULL,
                    PRIMARY KEY (code, direction),
                    FOREIGN KEY (code, direction) REFERENCES webhooks (code, direction) ON DELETE CASCADE
                );
                """),
    ]

    /// The newest schema version this hookd knows.
    public static var supportedSchemaVersion: Int { migrations.count }
}
