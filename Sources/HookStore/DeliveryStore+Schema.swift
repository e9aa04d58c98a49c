extension DeliveryStore {
    /// The delivery queue's schema history. Append new steps; never edit a released one.
    ///
    /// v1: `deliveries` holds one small row per delivery (its state, updated on every claim and
    /// attempt); the request itself sits in `delivery_payloads`, written once, so a status change
    /// never rewrites a body of up to 1 MiB into the WAL; `delivery_attempts` keeps each attempt.
    /// Both cascade from `deliveries`, so pruning a delivery removes everything it owned.
    /// Times are REAL seconds since 1970 (exactly the API's `Double`). Statuses are stored as
    /// their wire names without an enumeration CHECK, so a newer hookd may add one; this one
    /// reports such rows as undecodable.
    ///
    /// Indexes, each for one query: `deliveries_due` (partial: only waiting rows) for `claimDue`
    /// and `nextDueAt`; `deliveries_idempotency` (partial: only rows with a key) for the
    /// duplicate check; `deliveries_by_code_status` and `deliveries_by_status` for `list`,
    /// `stats` and the start-up recount; `deliveries_finished` (partial) for `prune`.
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1, summary: "create deliveries, delivery_payloads, delivery_attempts",
            sql: """
                CREATE TABLE deliveries (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    code            TEXT    NOT NULL,
                    direction       TEXT    NOT NULL,
                    status          TEXT    NOT NULL,
                    created_at      REAL    NOT NULL,
                    next_attempt_at REAL,
                    finished_at     REAL,
                    attempt_count   INTEGER NOT NULL DEFAULT 0,
                    last_error      TEXT,
                    dead_reason     TEXT,
                    idempotency_key TEXT,
                    message_id      TEXT    NOT NULL,
                    replay_of       TEXT,
                    CONSTRAINT waiting_has_due_time CHECK (status NOT IN ('queued', 'retrying') OR next_attempt_at IS NOT NULL),
                    CONSTRAINT attempt_count_not_negative CHECK (attempt_count >= 0)
                );
                CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status IN ('queued', 'retrying');
                CREATE INDEX deliveries_idempotency ON deliveries (code, idempotency_key, created_at)
                    WHERE idempotency_key IS NOT NULL;
                CREATE INDEX deliveries_by_code_status ON deliveries (code, status, id);
                CREATE INDEX deliveries_by_status ON deliveries (status, id);
                CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;

                CREATE TABLE delivery_payloads (
                    delivery_id  TEXT NOT NULL PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
                    method       TEXT NOT NULL,
                    headers      TEXT NOT NULL DEFAULT '{}',
                    content_type TEXT,
                    body         BLOB NOT NULL
                );

                CREATE TABLE delivery_attempts (
                    delivery_id      TEXT    NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                    number           INTEGER NOT NULL,
                    at               REAL    NOT NULL,
                    status_code      INTEGER,
                    duration_ms      REAL    NOT NULL,
                    error            TEXT,
                    response_preview TEXT,
                    PRIMARY KEY (delivery_id, number),
                    CONSTRAINT number_from_one CHECK (number >= 1)
                ) WITHOUT ROWID;
                """),
    ]

    /// The newest schema version this hookd knows.
    public static var supportedSchemaVersion: Int { migrations.count }
}
