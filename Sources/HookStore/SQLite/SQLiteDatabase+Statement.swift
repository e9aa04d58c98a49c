import CSQLite

extension SQLiteDatabase {
    /// Compiles one SQL statement; values are bound to its `?N` parameters, never spliced in.
    /// - Throws: `StoreError` naming `operation` when the SQL does not compile.
    func prepare(_ sql: String, operation: String) throws(StoreError) -> Statement {
        try Statement(database: self, sql: sql, operation: operation)
    }

    /// One prepared statement; finalized exactly once, when it goes out of scope.
    ///
    /// Non-copyable so that two owners can never finalize the same `sqlite3_stmt*`. It keeps its
    /// database alive, so the connection is never closed under it. Used only inside one call on
    /// the database, under the same lock.
    struct Statement: ~Copyable {
        private let handle: OpaquePointer
        private let database: SQLiteDatabase
        /// What the statement is for, e.g. `list webhooks`; names every error it raises.
        let operation: String

        fileprivate init(database: SQLiteDatabase, sql: String, operation: String) throws(StoreError) {
            var prepared: OpaquePointer?
            let result = sqlite3_prepare_v2(database.handle, sql, -1, &prepared, nil)
            guard result == SQLITE_OK, let prepared else {
                sqlite3_finalize(prepared)
                throw database.error(result, operation: operation)
            }
            handle = prepared
            self.database = database
            self.operation = operation
        }

        deinit { sqlite3_finalize(handle) }

        // MARK: Binding

        /// Binds `values` to parameters 1, 2, … in order.
        /// - Throws: `StoreError` naming the parameter's position, never its value.
        func bind(_ values: [SQLiteValue]) throws(StoreError) {
            for (offset, value) in values.enumerated() {
                try bind(value, at: Int32(offset + 1))
            }
        }

        /// Binds one value to the parameter at `index` (1-based). Text and blobs are copied by SQLite.
        func bind(_ value: SQLiteValue, at index: Int32) throws(StoreError) {
            let result: Int32
            switch value {
            case .null:
                result = sqlite3_bind_null(handle, index)
            case .integer(let integer):
                result = sqlite3_bind_int64(handle, index, integer)
            case .double(let double):
                result = sqlite3_bind_double(handle, index, double)
            case .text(let text):
                var text = text
                result = text.withUTF8 { bytes -> Int32 in
                    guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
                    // An empty string may have no storage; bind a valid empty C string instead.
                    guard let base = bytes.baseAddress else { return hookd_sqlite3_bind_text_copy(handle, index, "", 0) }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                        hookd_sqlite3_bind_text_copy(handle, index, characters, length)
                    }
                }
            case .blob(let bytes):
                result = bytes.withUnsafeBytes { raw -> Int32 in
                    guard let length = Int32(exactly: raw.count) else { return SQLITE_TOOBIG }
                    // A nil pointer would bind NULL, not an empty blob.
                    guard let base = raw.baseAddress, length > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    return hookd_sqlite3_bind_blob_copy(handle, index, base, length)
                }
            }
            guard result == SQLITE_OK else {
                var error = database.error(result, operation: operation)
                error.message = "cannot bind parameter \(index): \(error.message)"
                throw error
            }
        }

        // MARK: Stepping

        /// Advances to the next row.
        /// - Returns: true when a row is ready to read, false when the statement is done.
        /// - Throws: `StoreError` with SQLite's code and message (a constraint, a busy database, …).
        func step() throws(StoreError) -> Bool {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let result: throw database.error(result, operation: operation)
            }
        }

        /// Steps to completion, for statements whose rows (if any) are not wanted.
        func run() throws(StoreError) {
            while try step() {}
        }

        /// Makes the statement ready to run again, its parameters unbound: one compiled statement
        /// serves every row of a batch. (The result `sqlite3_reset` repeats is the last step's,
        /// already thrown by `step`.)
        func reset() {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }

        // MARK: Columns of the current row (0-based)

        /// The column's storage class: `SQLITE_INTEGER`, `SQLITE_FLOAT`, `SQLITE_TEXT`, `SQLITE_BLOB` or `SQLITE_NULL`.
        func columnType(at index: Int32) -> Int32 { sqlite3_column_type(handle, index) }

        func isNull(at index: Int32) -> Bool { columnType(at: index) == SQLITE_NULL }

        /// The column as UTF-8 text (SQLite converts numbers), nil for NULL.
        func text(at index: Int32) -> String? {
            // column_text before column_bytes: the byte count is of the converted text.
            guard let characters = sqlite3_column_text(handle, index) else { return nil }
            let count = Int(sqlite3_column_bytes(handle, index))
            return String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self)
        }

        func integer(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

        func double(at index: Int32) -> Double { sqlite3_column_double(handle, index) }

        /// The column as bytes, nil for NULL.
        func blob(at index: Int32) -> [UInt8]? {
            guard !isNull(at: index) else { return nil }
            guard let bytes = sqlite3_column_blob(handle, index) else { return [] }
            let count = Int(sqlite3_column_bytes(handle, index))
            return Array(UnsafeRawBufferPointer(start: bytes, count: count))
        }
    }
}
