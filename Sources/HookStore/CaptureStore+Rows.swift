import CSQLite
import HookJSON

extension CaptureStore {
    static let columns = """
        id, endpoint, method, path, query, headers, body, received_at, peer, outcome, status, latency_ms, \
        signature_valid, signature_reason, signature_checked_by
        """

    static let insertSQL = """
        INSERT INTO captures (endpoint, method, path, query, headers, body, received_at, peer, outcome, status,
                              latency_ms, signature_valid, signature_reason, signature_checked_by)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        RETURNING id
        """

    /// Deletes the oldest rows beyond the bound (?1).
    static let trimSQL = """
        DELETE FROM captures WHERE id IN (
            SELECT id FROM captures ORDER BY id DESC LIMIT -1 OFFSET ?1
        )
        """

    /// Reads the row the statement is on (columns in `columns` order).
    static func capture(from statement: borrowing SQLiteDatabase.Statement) throws(StoreError) -> Capture {
        let id = statement.integer(at: 0)
        func text(_ index: Int32, _ column: String) throws(StoreError) -> String {
            guard let value = statement.text(at: index) else { throw undecodable(id, column) }
            return value
        }
        let headerText = try text(5, "headers")
        guard let object = (try? JSONValue.parse(headerText))?.objectValue else { throw undecodable(id, "headers") }
        let headers = object.members.map { (name: $0.key, value: $0.value.stringValue ?? $0.value.compactText) }
        guard let outcome = Outcome(rawValue: try text(9, "outcome")) else { throw undecodable(id, "outcome") }
        let signature = statement.isNull(at: 12)
            ? nil : SignatureVerdict(valid: statement.integer(at: 12) != 0, reason: statement.text(at: 13),
                                     checkedBy: statement.text(at: 14) ?? "hookd")
        let request = NewCapture(
            endpoint: try text(1, "endpoint"), method: try text(2, "method"), path: try text(3, "path"),
            query: try text(4, "query"), headers: headers, body: statement.blob(at: 6) ?? [],
            receivedAt: statement.double(at: 7), peer: try text(8, "peer"), outcome: outcome,
            status: statement.isNull(at: 10) ? nil : Int(statement.integer(at: 10)),
            latencyMilliseconds: Int(statement.integer(at: 11)), signature: signature)
        return Capture(id: id, request: request)
    }

    private static func undecodable(_ id: Int64, _ column: String) -> StoreError {
        StoreError(code: .undecodableRow, operation: "read capture \(id)", message: "column \(column) cannot be read")
    }
}
