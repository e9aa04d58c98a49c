import CSQLite
import HookCore
import HookJSON
import Synchronization

/// The webhook registry, kept in an embedded SQLite file (hookd's default store).
///
/// One connection serves the whole process, behind a `Mutex`: registry calls are rare
/// (`webhook.*` methods, credential look-ups that miss the cache), so a single serialized
/// connection is simpler and plenty fast. The file is created 0600 in a 0700 directory because
/// it may hold legacy (`database`-source) credentials; those are stored beside the record and
/// only come out through `legacyCredential(for:)`.
///
/// Every method blocks the calling thread on SQLite and the disk (and, when another process
/// holds the write lock, up to the 5 s busy timeout). Call it from a thread pool
/// (`NIOThreadPool`) or a thread of your own, never on an event loop or in a hot path.
public final class WebhookStore: Sendable {
    /// The connection; only ever touched under this lock, which is what makes it safe to share.
    let database: Mutex<SQLiteDatabase>
    /// The database file.
    public let path: String
    /// The schema version of the open database (`PRAGMA user_version`), after migrations.
    public let schemaVersion: Int
    /// The migrations this instance applied when it opened the file; empty when it was current.
    let appliedMigrations: [Int]

    /// Opens the registry at `path`, creating it (and its directory) when missing and bringing its
    /// schema up to date.
    ///
    /// A missing directory is created with mode 0700 and a missing file with mode 0600, before
    /// SQLite opens it. The connection runs in WAL mode with `synchronous=NORMAL`,
    /// `foreign_keys=ON` and a 5 s busy timeout.
    /// - Parameter path: the database file, e.g. `/var/lib/hookd/registry.db`.
    /// - Throws: `StoreError`: `.fileSystem` when the directory or file cannot be created,
    ///   `.schemaTooNew` when a newer hookd wrote the file (it is left untouched), `.sqlite` otherwise.
    public init(path: String) throws(StoreError) {
        try StoreFile.prepare(path: path)
        let database = try SQLiteDatabase(path: path)
        try database.configure()
        appliedMigrations = try database.migrate(Self.migrations)
        schemaVersion = try database.userVersion()
        self.path = path
        self.database = Mutex(database)
    }

    /// Inserts a webhook or replaces the one with the same code and direction.
    ///
    /// `created_at` is set on insert and kept on update; `updated_at` becomes `now`. For source
    /// `database` the definition's `legacyCredentialValue` is stored beside the record; when it is
    /// nil an update keeps the value already stored, so a caller can change a webhook without
    /// re-sending its secret. For any other source the stored legacy value is cleared.
    /// - Parameters:
    ///   - definition: the checked definition (`WebhookDefinition(json:)`).
    ///   - now: the current time, ISO 8601; passed in so callers and tests control the clock.
    /// - Returns: the webhook as stored, with its `createdAt` and `updatedAt`; never the secret.
    /// - Throws: `StoreError` naming the webhook's key; never a stored or bound value.
    @discardableResult
    public func upsert(_ definition: WebhookDefinition, now: String) throws(StoreError) -> Webhook {
        let webhook = definition.webhook
        let legacyValue = webhook.credentialSource == .database ? definition.legacyCredentialValue : nil
        let values: [SQLiteValue] = [
            .text(webhook.key.code), .text(webhook.key.direction.rawValue), .text(webhook.type.rawValue),
            .text(webhook.url), .text(webhook.method), .text(webhook.authType.rawValue),
            .text(webhook.credentialSource.rawValue), .text(webhook.credentialReference), .text(legacyValue),
            .text(Self.encodeHeaders(webhook.headers)), .double(webhook.timeoutSeconds), .bool(webhook.enabled),
            .text(webhook.description), .text(now), .text(webhook.alerting.json.compactText), .text(webhook.validateMethod),
            .bool(webhook.allowInsecureHTTP), .text(JSONValue.object(webhook.delivery.json).compactText),
            .text(JSONValue.object(webhook.inbound.json).compactText),
        ]
        return try database.withLock { database throws(StoreError) -> Webhook in
            let statement = try database.prepare(Self.upsertSQL, operation: "upsert webhook \(webhook.key)")
            try statement.bind(values)
            guard try statement.step() else {
                throw StoreError(code: .sqlite, operation: statement.operation, message: "the upsert returned no row")
            }
            let stored = try Self.webhook(from: statement)
            try statement.run()
            return stored
        }
    }

    /// Turns a webhook on or off without touching anything else (the delivery engine disables a
    /// webhook whose endpoint answered 410 Gone).
    /// - Returns: whether a webhook with this key exists.
    @discardableResult
    public func setEnabled(_ key: WebhookKey, _ enabled: Bool, now: String) throws(StoreError) -> Bool {
        try database.withLock { database throws(StoreError) -> Bool in
            let statement = try database.prepare(
                "UPDATE webhooks SET enabled = ?3, updated_at = ?4 WHERE code = ?1 AND direction = ?2", operation: "enable webhook \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue), .bool(enabled), .text(now)])
            try statement.run()
            return database.changes > 0
        }
    }

    /// The webhook with this code and direction, nil when there is none.
    /// - Throws: `StoreError`, `.undecodableRow` naming the column when the row cannot be read.
    public func webhook(_ key: WebhookKey) throws(StoreError) -> Webhook? {
        try database.withLock { database throws(StoreError) -> Webhook? in
            let statement = try database.prepare(
                "SELECT \(Self.columns) FROM webhooks WHERE code = ?1 AND direction = ?2", operation: "read webhook \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue)])
            guard try statement.step() else { return nil }
            return try Self.webhook(from: statement)
        }
    }

    /// Every webhook, or those of one direction, ordered by code then direction.
    /// - Parameter direction: only this direction; nil for both.
    /// - Throws: `StoreError`, `.undecodableRow` naming the first row and column that cannot be read.
    public func webhooks(direction: WebhookDirection? = nil) throws(StoreError) -> [Webhook] {
        try database.withLock { database throws(StoreError) -> [Webhook] in
            let statement = try database.prepare(
                "SELECT \(Self.columns) FROM webhooks WHERE ?1 IS NULL OR direction = ?1 ORDER BY code, direction",
                operation: "list webhooks")
            try statement.bind([.text(direction?.rawValue)])
            var webhooks: [Webhook] = []
            while try statement.step() { webhooks.append(try Self.webhook(from: statement)) }
            return webhooks
        }
    }

    /// Removes a webhook and its legacy credential.
    /// - Returns: true when it existed.
    public func delete(_ key: WebhookKey) throws(StoreError) -> Bool {
        try database.withLock { database throws(StoreError) -> Bool in
            let statement = try database.prepare(
                "DELETE FROM webhooks WHERE code = ?1 AND direction = ?2", operation: "delete webhook \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue)])
            try statement.run()
            return database.changes > 0
        }
    }

    /// The legacy secret stored for a `database`-source webhook: the one way it leaves the store,
    /// for the credential resolver and the migration tool.
    /// - Returns: nil when the webhook does not exist or has no stored value.
    /// - Throws: `StoreError` naming the key and column, never the value.
    public func legacyCredential(for key: WebhookKey) throws(StoreError) -> String? {
        try database.withLock { database throws(StoreError) -> String? in
            let statement = try database.prepare(
                "SELECT legacy_credential FROM webhooks WHERE code = ?1 AND direction = ?2",
                operation: "read legacy credential of \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue)])
            guard try statement.step(), !statement.isNull(at: 0) else { return nil }
            guard statement.columnType(at: 0) == SQLITE_TEXT else {
                throw Self.undecodable(key.code, key.direction.rawValue, column: "legacy_credential", "is not text")
            }
            return statement.text(at: 0)
        }
    }

    /// Whether a legacy secret is stored for this webhook, without reading it
    /// (`credential.source` answers "exists" with this).
    public func hasLegacyCredential(_ key: WebhookKey) throws(StoreError) -> Bool {
        try database.withLock { database throws(StoreError) -> Bool in
            let statement = try database.prepare(
                "SELECT legacy_credential IS NOT NULL FROM webhooks WHERE code = ?1 AND direction = ?2",
                operation: "check legacy credential of \(key)")
            try statement.bind([.text(key.code), .text(key.direction.rawValue)])
            guard try statement.step() else { return false }
            return statement.integer(at: 0) != 0
        }
    }

    /// Checks that the registry answers, for `system.health`'s `components.store`.
    /// - Returns: nil when a read of the webhooks table succeeds; otherwise the reason, e.g.
    ///   "store: check health of /var/lib/hookd/registry.db failed: disk I/O error (SQLite 10: …)".
    public func checkHealth() -> String? {
        do {
            try database.withLock { database throws(StoreError) in
                let statement = try database.prepare(
                    "SELECT 1 FROM webhooks LIMIT 1", operation: "check health of \(database.path)")
                try statement.run()
            }
            return nil
        } catch {
            return error.description
        }
    }
}
