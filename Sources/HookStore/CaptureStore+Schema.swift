extension CaptureStore {
    /// The capture store's schema history. Append new steps; never edit a released one.
    ///
    /// v1: one row per captured request. `id` is AUTOINCREMENT so an id is never reused, even
    /// after the oldest rows are dropped or every capture is deleted: a client's `since=<id>`
    /// stays meaningful. `headers` is a JSON object (name to value, in arrival order); `body`
    /// the exact bytes. `counters` keeps the number of captures dropped to stay within bounds.
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1, summary: "create captures",
            sql: """
                CREATE TABLE captures (
                    id               INTEGER PRIMARY KEY AUTOINCREMENT,
                    endpoint         TEXT    NOT NULL,
                    method           TEXT    NOT NULL,
                    path             TEXT    NOT NULL,
                    query            TEXT    NOT NULL DEFAULT '',
                    headers          TEXT    NOT NULL DEFAULT '{}',
                    body             BLOB    NOT NULL,
                    received_at      REAL    NOT NULL,
                    peer             TEXT    NOT NULL,
                    outcome          TEXT    NOT NULL,
                    status           INTEGER,
                    latency_ms       INTEGER NOT NULL,
                    signature_valid  INTEGER,
                    signature_reason TEXT,
                    CONSTRAINT signature_valid_is_boolean CHECK (signature_valid IS NULL OR signature_valid IN (0, 1))
                );
                CREATE INDEX captures_by_endpoint ON captures (endpoint, id);
                CREATE TABLE counters (
                    name  TEXT    PRIMARY KEY,
                    value INTEGER NOT NULL
                );
                INSERT INTO counters (name, value) VALUES ('dropped', 0);
                """),
        // v2: who judged a capture's signature, `hookd` or `sandbox` (its own check with a secret
        // given to it); NULL for rows stored before, which hookd judged.
        SQLiteMigration(
            version: 2, summary: "add signature_checked_by",
            sql: """
                ALTER TABLE captures ADD COLUMN signature_checked_by TEXT;
                """),
    ]
}
