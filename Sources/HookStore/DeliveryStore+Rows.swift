import CSQLite
import HookCore
import HookJSON

extension DeliveryStore {
    /// The `deliveries` columns `record(from:)` reads, in order. No `delivery_payloads` column
    /// shares a name with them, so they need no table prefix in joins or `RETURNING`.
    static let recordColumns = """
        id, code, direction, status, created_at, next_attempt_at, finished_at, attempt_count, \
        last_error, dead_reason, idempotency_key, message_id, replay_of
        """
    /// How many columns `recordColumns` has: the payload's follow at this index.
    static let recordColumnCount: Int32 = 13
    /// The `delivery_payloads` columns `payload(from:at:)` reads, in order.
    static let payloadColumns = "method, headers, content_type, body"
    /// Deliveries joined with their payloads; a `WHERE` on `deliveries`' columns may follow.
    static let recordWithPayload = """
        SELECT \(recordColumns), \(payloadColumns) FROM deliveries JOIN delivery_payloads ON delivery_payloads.delivery_id = deliveries.id
        """
    /// The statuses that count against `max_queued`, as SQL.
    static let unfinishedSQL = "('queued', 'in_flight', 'retrying')"

    /// Reads the current row (selected with `recordColumns`, then optionally `payloadColumns`).
    /// - Throws: `StoreError` `.undecodableRow` naming the delivery and the column; shows a stored
    ///   value only for enumerations and ids, never a payload byte or an idempotency key.
    static func record(from row: borrowing SQLiteDatabase.Statement, withPayload: Bool) throws(StoreError) -> DeliveryRecord {
        let idText = row.text(at: 0) ?? ""
        func fail(_ column: String, _ reason: String) -> StoreError { undecodable(idText, column: column, reason) }
        guard let id = DeliveryRecord.ID(idText) else { throw fail("id", "is not a delivery id") }
        guard let code = row.text(at: 1) else { throw fail("code", "is NULL") }
        let directionText = row.text(at: 2) ?? ""
        guard let direction = WebhookDirection(rawValue: directionText) else {
            throw fail("direction", StoreRowText.enumerationReason(directionText, WebhookDirection.self))
        }
        let statusText = row.text(at: 3) ?? ""
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw fail("status", StoreRowText.enumerationReason(statusText, DeliveryStatus.self))
        }
        guard let messageText = row.text(at: 11), let messageID = DeliveryRecord.ID(messageText) else {
            throw fail("message_id", "is not a delivery id")
        }
        var replayOf: DeliveryRecord.ID?
        if let replayText = row.text(at: 12) {
            guard let replay = DeliveryRecord.ID(replayText) else { throw fail("replay_of", "is not a delivery id") }
            replayOf = replay
        }
        let payload = withPayload ? try payload(from: row, at: recordColumnCount, fail) : nil
        return DeliveryRecord(
            id: id, code: code, direction: direction, status: status, createdAt: row.double(at: 4),
            nextAttemptAt: optionalDouble(row, 5), finishedAt: optionalDouble(row, 6), attemptCount: Int(row.integer(at: 7)),
            lastError: row.text(at: 8), deadReason: row.text(at: 9), idempotencyKey: row.text(at: 10),
            messageID: messageID, replayOf: replayOf, payload: payload)
    }

    /// Reads `payloadColumns` starting at column `index`.
    private static func payload(
        from row: borrowing SQLiteDatabase.Statement, at index: Int32, _ fail: (String, String) -> StoreError
    ) throws(StoreError) -> DeliveryRecord.Payload {
        guard let method = row.text(at: index) else { throw fail("method", "is NULL") }
        guard let headersText = row.text(at: index + 1), let headers = StoreRowText.decodeHeaders(headersText) else {
            throw fail("headers", "is not a JSON object of strings")
        }
        guard let body = row.blob(at: index + 3) else { throw fail("body", "is NULL") }
        return DeliveryRecord.Payload(method: method, headers: headers, body: body, contentType: row.text(at: index + 2))
    }

    /// Reads an attempt selected as `number, at, status_code, duration_ms, error, response_preview`.
    static func attempt(from row: borrowing SQLiteDatabase.Statement) -> DeliveryAttempt {
        DeliveryAttempt(
            number: Int(row.integer(at: 0)), at: row.double(at: 1),
            statusCode: row.isNull(at: 2) ? nil : Int(row.integer(at: 2)), durationMilliseconds: row.double(at: 3),
            error: row.text(at: 4), responsePreview: row.text(at: 5))
    }

    static func undecodable(_ id: String, column: String, _ reason: String) -> StoreError {
        StoreError(code: .undecodableRow, operation: "read delivery \(id.prefix(40))", message: "column \(column) \(reason)")
    }

    private static func optionalDouble(_ row: borrowing SQLiteDatabase.Statement, _ index: Int32) -> Double? {
        row.isNull(at: index) ? nil : row.double(at: index)
    }
}
