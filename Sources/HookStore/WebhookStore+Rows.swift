import CSQLite
import HookCore
import HookJSON

extension WebhookStore {
    /// The columns `webhook(from:)` reads, in order. The legacy credential is not among them.
    static let columns = """
        code, direction, type, url, method, auth_type, credential_source, credential_ref, headers, \
        timeout_seconds, enabled, description, created_at, updated_at, alerting, validate_method, allow_insecure_http, delivery, inbound
        """

    /// Insert or update in one statement. `?14` is both `created_at` (insert only) and `updated_at`.
    /// The legacy value: replaced when a new one is given, kept when not, cleared for other sources.
    static let upsertSQL = """
        INSERT INTO webhooks (code, direction, type, url, method, auth_type, credential_source, credential_ref,
                              legacy_credential, headers, timeout_seconds, enabled, description, created_at, updated_at,
                              alerting, validate_method, allow_insecure_http, delivery, inbound)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, ?18, ?19)
        ON CONFLICT (code, direction) DO UPDATE SET
            type = excluded.type, url = excluded.url, method = excluded.method, auth_type = excluded.auth_type,
            credential_source = excluded.credential_source, credential_ref = excluded.credential_ref,
            legacy_credential = CASE WHEN excluded.credential_source = 'database'
                                     THEN coalesce(excluded.legacy_credential, webhooks.legacy_credential)
                                     ELSE NULL END,
            headers = excluded.headers, timeout_seconds = excluded.timeout_seconds, enabled = excluded.enabled,
            description = excluded.description, updated_at = excluded.updated_at,
            alerting = excluded.alerting, validate_method = excluded.validate_method,
            allow_insecure_http = excluded.allow_insecure_http, delivery = excluded.delivery,
            inbound = excluded.inbound
        RETURNING \(columns)
        """

    /// Headers as a compact JSON object with sorted names, so equal maps store equal text.
    static func encodeHeaders(_ headers: [String: String]) -> String {
        var object = JSONObject()
        for name in headers.keys.sorted() { object[name] = .string(headers[name] ?? "") }
        return JSONValue.object(object).compactText
    }

    /// Reads the current row (selected with `columns`) into a `Webhook`.
    /// - Throws: `StoreError` `.undecodableRow` naming the row's code/direction and the column;
    ///   the message says what was expected, and shows a stored value only for enumerations.
    static func webhook(from row: borrowing SQLiteDatabase.Statement) throws(StoreError) -> Webhook {
        let code = row.text(at: 0) ?? ""
        let directionText = row.text(at: 1) ?? ""
        func fail(_ column: String, _ reason: String) -> StoreError { undecodable(code, directionText, column: column, reason) }

        guard let direction = WebhookDirection(rawValue: directionText) else {
            throw fail("direction", StoreRowText.enumerationReason(directionText, WebhookDirection.self))
        }
        let key: WebhookKey
        do { key = try WebhookKey(code: code, direction: direction) } catch { throw fail("code", error.reason) }
        let type = try enumeration(row, 2, "type", WebhookType.self, fail)
        let authType = try enumeration(row, 5, "auth_type", AuthType.self, fail)
        let source = try enumeration(row, 6, "credential_source", CredentialSourceKind.self, fail)
        guard let method = row.text(at: 4) else { throw fail("method", "is NULL") }
        guard let headersText = row.text(at: 8), let headers = StoreRowText.decodeHeaders(headersText) else {
            throw fail("headers", "is not a JSON object of strings")
        }
        guard [SQLITE_FLOAT, SQLITE_INTEGER].contains(row.columnType(at: 9)) else { throw fail("timeout_seconds", "is not a number") }
        guard row.columnType(at: 10) == SQLITE_INTEGER, [0, 1].contains(row.integer(at: 10)) else {
            throw fail("enabled", "is not 0 or 1")
        }
        guard let createdAt = row.text(at: 12) else { throw fail("created_at", "is NULL") }
        guard let updatedAt = row.text(at: 13) else { throw fail("updated_at", "is NULL") }
        let alerting: AlertOverrides
        do throws(WebhookValidationError) {
            guard case .object(let members)? = try? JSONValue.parse(row.text(at: 14) ?? "") else {
                throw WebhookValidationError(field: "alerting", reason: "is not a JSON object")
            }
            alerting = try AlertOverrides(json: members)
        } catch {
            throw fail("alerting", error.reason)
        }
        guard let validateMethod = row.text(at: 15) else { throw fail("validate_method", "is NULL") }
        guard row.columnType(at: 16) == SQLITE_INTEGER, [0, 1].contains(row.integer(at: 16)) else {
            throw fail("allow_insecure_http", "is not 0 or 1")
        }
        let delivery: DeliveryOverrides
        do throws(WebhookValidationError) {
            guard case .object(let members)? = try? JSONValue.parse(row.text(at: 17) ?? "") else {
                throw WebhookValidationError(field: "delivery", reason: "is not a JSON object")
            }
            delivery = try DeliveryOverrides(json: members)
        } catch {
            throw fail("delivery", "\(error.field): \(error.reason)")
        }
        let inbound: InboundSettings
        do throws(WebhookValidationError) {
            guard case .object(let members)? = try? JSONValue.parse(row.text(at: 18) ?? "") else {
                throw WebhookValidationError(field: "inbound", reason: "is not a JSON object")
            }
            inbound = try InboundSettings(json: members)
        } catch {
            throw fail("inbound", "\(error.field): \(error.reason)")
        }
        // Webhook's initializer fills a default reference when given nil; the stored value
        // (nil for `database`) is the truth, so set it afterwards.
        var webhook = Webhook(
            key: key, type: type, url: row.text(at: 3), method: method, authType: authType, credentialSource: source,
            headers: headers, timeoutSeconds: row.double(at: 9), enabled: row.integer(at: 10) == 1,
            description: row.text(at: 11) ?? "", alerting: alerting, validateMethod: validateMethod,
            allowInsecureHTTP: row.integer(at: 16) == 1, delivery: delivery, inbound: inbound, createdAt: createdAt, updatedAt: updatedAt)
        webhook.credentialReference = row.text(at: 7)
        return webhook
    }

    static func undecodable(_ code: String, _ direction: String, column: String, _ reason: String) -> StoreError {
        StoreError(code: .undecodableRow, operation: "read webhook \(code)/\(direction)",
                   message: "column \(column) \(reason)")
    }

    private static func enumeration<Value: RawRepresentable & CaseIterable>(
        _ row: borrowing SQLiteDatabase.Statement, _ index: Int32, _ column: String, _: Value.Type,
        _ fail: (String, String) -> StoreError
    ) throws(StoreError) -> Value where Value.RawValue == String {
        let text = row.text(at: index) ?? ""
        guard let value = Value(rawValue: text) else { throw fail(column, StoreRowText.enumerationReason(text, Value.self)) }
        return value
    }
}
