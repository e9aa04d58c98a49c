import CSQLite
import HookJSON
import Synchronization

/// The sandbox's captured requests, kept in an embedded SQLite file and bounded in number.
///
/// Inserting past `maxCaptures` drops the oldest captures first and counts them (`dropped`), so
/// a sandbox left running under a retry storm keeps the newest requests and a bounded file.
/// Like `WebhookStore`, one connection behind a `Mutex`; every method blocks on SQLite and the
/// disk, so call it off an event loop (the sandbox calls it from Swift concurrency tasks).
public final class CaptureStore: Sendable {
    /// The connection; only ever touched under this lock.
    let database: Mutex<SQLiteDatabase>
    /// The database file.
    public let path: String
    /// The most captures kept; the oldest go first beyond it.
    public let maxCaptures: Int

    /// Opens (or creates: file 0600 in a 0700 directory) the capture store at `path`.
    /// - Parameters:
    ///   - path: the database file, e.g. `~/.local/state/hooksandbox/captures.db`.
    ///   - maxCaptures: the bound, at least 1.
    /// - Throws: `StoreError`: `.fileSystem`, `.schemaTooNew` or `.sqlite`.
    public init(path: String, maxCaptures: Int) throws(StoreError) {
        try StoreFile.prepare(path: path)
        let database = try SQLiteDatabase(path: path)
        try database.configure()
        _ = try database.migrate(Self.migrations)
        self.path = path
        self.maxCaptures = max(1, maxCaptures)
        self.database = Mutex(database)
    }

    /// Stores a capture, then drops the oldest ones beyond `maxCaptures` (counted in `dropped`).
    /// - Returns: the capture with its new id.
    /// - Throws: `StoreError` naming the endpoint.
    public func insert(_ capture: NewCapture) throws(StoreError) -> Capture {
        let headers = JSONValue.object(Self.headerObject(capture.headers))
        let values: [SQLiteValue] = [
            .text(capture.endpoint), .text(capture.method), .text(capture.path), .text(capture.query),
            .text(headers.compactText), .blob(capture.body), .double(capture.receivedAt), .text(capture.peer),
            .text(capture.outcome.rawValue), capture.status.map { .integer(Int64($0)) } ?? .null,
            .integer(Int64(capture.latencyMilliseconds)), capture.signature.map { .bool($0.valid) } ?? .null,
            .text(capture.signature?.reason), .text(capture.signature?.checkedBy),
        ]
        let limit = maxCaptures
        let operation = "insert capture for endpoint \(capture.endpoint)"
        let id = try database.withLock { database throws(StoreError) -> Int64 in
            try database.transaction(operation) { () throws(StoreError) -> Int64 in
                let insert = try database.prepare(Self.insertSQL, operation: operation)
                try insert.bind(values)
                guard try insert.step() else {
                    throw StoreError(code: .sqlite, operation: operation, message: "the insert returned no id")
                }
                let id = insert.integer(at: 0)
                try insert.run()
                let trim = try database.prepare(Self.trimSQL, operation: "drop the oldest captures")
                try trim.bind([.integer(Int64(limit))])
                try trim.run()
                let dropped = database.changes
                if dropped > 0 {
                    let count = try database.prepare(
                        "UPDATE counters SET value = value + ?1 WHERE name = 'dropped'", operation: "count dropped captures")
                    try count.bind([.integer(Int64(dropped))])
                    try count.run()
                }
                return id
            }
        }
        return Capture(id: id, request: capture)
    }

    /// Headers as one JSON object: a name sent more than once (any case kept as first seen)
    /// becomes one member with the values joined by ", ", as HTTP allows for most fields.
    public static func headerObject(_ headers: [(name: String, value: String)]) -> JSONObject {
        var members: [JSONObject.Member] = []
        var positions: [String: Int] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            if let position = positions[key] {
                members[position].value = .string((members[position].value.stringValue ?? "") + ", " + value)
            } else {
                positions[key] = members.count
                members.append(JSONObject.Member(key: name, value: .string(value)))
            }
        }
        return JSONObject(members)
    }

    /// The capture with this id, nil when there is none (never stored, dropped or deleted).
    public func capture(id: Int64) throws(StoreError) -> Capture? {
        try database.withLock { database throws(StoreError) -> Capture? in
            let statement = try database.prepare(
                "SELECT \(Self.columns) FROM captures WHERE id = ?1", operation: "read capture \(id)")
            try statement.bind([.integer(id)])
            guard try statement.step() else { return nil }
            return try Self.capture(from: statement)
        }
    }

    /// Captures newest first.
    /// - Parameters:
    ///   - endpoint: only this endpoint's; nil for all.
    ///   - since: only captures with an id greater than this.
    ///   - limit: at most this many (clamped to 1…10 000).
    public func captures(endpoint: String? = nil, since: Int64? = nil, limit: Int) throws(StoreError) -> [Capture] {
        try database.withLock { database throws(StoreError) -> [Capture] in
            let statement = try database.prepare(
                """
                SELECT \(Self.columns) FROM captures
                WHERE (?1 IS NULL OR endpoint = ?1) AND (?2 IS NULL OR id > ?2)
                ORDER BY id DESC LIMIT ?3
                """, operation: "list captures")
            try statement.bind([.text(endpoint), since.map { .integer($0) } ?? .null, .integer(Int64(min(max(limit, 1), 10_000)))])
            var captures: [Capture] = []
            while try statement.step() { captures.append(try Self.capture(from: statement)) }
            return captures
        }
    }

    /// The number of captures held for each endpoint that has any, by name.
    public func countsByEndpoint() throws(StoreError) -> [(endpoint: String, count: Int)] {
        try database.withLock { database throws(StoreError) -> [(endpoint: String, count: Int)] in
            let statement = try database.prepare(
                "SELECT endpoint, COUNT(*) FROM captures GROUP BY endpoint ORDER BY endpoint", operation: "count captures by endpoint")
            var counts: [(endpoint: String, count: Int)] = []
            while try statement.step() { counts.append((statement.text(at: 0) ?? "", Int(statement.integer(at: 1)))) }
            return counts
        }
    }

    /// Deletes every capture. Ids keep increasing afterwards; `dropped` is kept (it counts
    /// captures lost to the bound, not ones deleted on purpose).
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteAll() throws(StoreError) -> Int {
        try database.withLock { database throws(StoreError) -> Int in
            try database.execute("DELETE FROM captures", operation: "delete all captures")
            return database.changes
        }
    }

    /// The number of captures held and dropped.
    public func statistics() throws(StoreError) -> Statistics {
        try database.withLock { database throws(StoreError) -> Statistics in
            let statement = try database.prepare(
                "SELECT (SELECT COUNT(*) FROM captures), (SELECT value FROM counters WHERE name = 'dropped')",
                operation: "read capture statistics")
            guard try statement.step() else { return Statistics(captures: 0, dropped: 0) }
            return Statistics(captures: Int(statement.integer(at: 0)), dropped: Int(statement.integer(at: 1)))
        }
    }
}
