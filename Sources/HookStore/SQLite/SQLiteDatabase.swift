import CSQLite

/// One SQLite connection; owns its `sqlite3*` handle and closes it exactly once, in `deinit`.
///
/// The connection is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`): SQLite does no
/// locking of its own, so the owner must use it from one thread at a time. `WebhookStore` keeps
/// it behind a `Mutex`, which is why this class is deliberately not `Sendable`.
///
/// Blocking: every call may wait for the disk and, under contention from another process, up
/// to the busy timeout. Never call it on an event loop.
final class SQLiteDatabase {
    /// The raw handle, for `Statement` and this type's extensions only.
    let handle: OpaquePointer
    /// The file this connection opened, for messages.
    let path: String

    /// Opens an existing database file for reading and writing.
    ///
    /// `SQLITE_OPEN_CREATE` is left out on purpose: the store creates the file itself with mode
    /// 0600 first (see `StoreFile`), so SQLite never creates a database with the process's
    /// default permissions, even if the file vanished in between.
    /// - Parameters:
    ///   - path: the database file.
    ///   - create: let SQLite create the file when missing (tests and tools; not the store).
    /// - Throws: `StoreError` with SQLite's reason when the file cannot be opened.
    init(path: String, create: Bool = false) throws(StoreError) {
        guard sqlite3_threadsafe() != 0 else {
            throw StoreError(code: .sqlite, operation: "open \(path)",
                             message: "the linked SQLite was built without thread support (SQLITE_THREADSAFE=0)")
        }
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE
        if create { flags |= SQLITE_OPEN_CREATE }
        var opened: OpaquePointer?
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let opened else {
            // SQLite usually hands back a handle even on failure; it carries the message and
            // must still be closed. Closing nil is a no-op.
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            let code = opened.map { sqlite3_extended_errcode($0) } ?? result
            sqlite3_close_v2(opened)
            throw StoreError(code: .sqlite, operation: "open \(path)", sqliteResultCode: code, message: message)
        }
        handle = opened
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        // close_v2 defers the close until every statement is finalized; statements hold a strong
        // reference to this object, so by now there are none.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that take no parameters, discarding any rows.
    ///
    /// Only for fixed SQL written in this module (schema, PRAGMAs, transaction control):
    /// values always go through `prepare` and binding.
    /// - Throws: `StoreError` naming `operation` with SQLite's code and message.
    func execute(_ sql: String, operation: String) throws(StoreError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw error(result, operation: operation) }
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether no transaction is open.
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// A `StoreError` for a failed call: SQLite's extended code and message for this connection.
    func error(_ result: Int32, operation: String) -> StoreError {
        let extended = sqlite3_extended_errcode(handle)
        // The connection's last error describes this failure when the primary codes agree;
        // otherwise (a failure we detected ourselves, such as SQLITE_TOOBIG) use the generic text.
        guard extended & 0xFF == result & 0xFF else {
            return StoreError(code: .sqlite, operation: operation, sqliteResultCode: result,
                              message: String(cString: sqlite3_errstr(result)))
        }
        return StoreError(code: .sqlite, operation: operation, sqliteResultCode: extended,
                          message: String(cString: sqlite3_errmsg(handle)))
    }
}
