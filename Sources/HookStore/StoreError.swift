import CSQLite

/// A registry operation that failed: what hookd was doing, why, and SQLite's result code when
/// SQLite said no.
///
/// The message is SQLite's own text (`sqlite3_errmsg`) or a sentence of ours. Neither ever holds
/// a bound value: parameters may be secrets (the legacy credential), so the store only ever names
/// the operation, the webhook's key and the column, never what was written or read.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for callers that react differently (a health probe, the
    /// start-up message). A struct rather than an enum so that new kinds do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case sqlite
            case fileSystem
            case schemaTooNew
            case undecodableRow
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// SQLite refused or failed; `StoreError.sqliteResultCode` says how.
        public static let sqlite = Code(.sqlite)
        /// Creating the store's directory or file failed; the message carries `strerror`'s text.
        public static let fileSystem = Code(.fileSystem)
        /// The database was migrated by a newer hookd than this one; it is left untouched.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// A stored row holds something this hookd cannot read (for example an `auth_type`
        /// written by a newer version); the message names the row's key and the column.
        public static let undecodableRow = Code(.undecodableRow)

        public var description: String {
            switch value {
            case .sqlite: "sqlite"
            case .fileSystem: "file_system"
            case .schemaTooNew: "schema_too_new"
            case .undecodableRow: "undecodable_row"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What the store was doing, e.g. `upsert webhook STRIPE_PAYMENT/OUT`.
    public var operation: String
    /// SQLite's extended result code (`SQLITE_CONSTRAINT_CHECK` is 275), nil when SQLite was not involved.
    public var sqliteResultCode: Int32?
    /// Why, in words: SQLite's message or ours. Never a bound value.
    public var message: String

    public init(code: Code, operation: String, sqliteResultCode: Int32? = nil, message: String) {
        self.code = code
        self.operation = operation
        self.sqliteResultCode = sqliteResultCode
        self.message = message
    }

    /// "store: upsert webhook A/OUT failed: CHECK constraint failed: … (SQLite 275: constraint failed)".
    public var description: String {
        var text = "store: \(operation) failed: \(message)"
        if let sqliteResultCode {
            text += " (SQLite \(sqliteResultCode): \(String(cString: sqlite3_errstr(sqliteResultCode))))"
        }
        return text
    }
}
