import HookCore
import HookJSON
import HookRPC
import NIOCore

/// `log.request` and `log.response`: the seed's structured request/response lines, masked.
///
/// The caller gets its guid at once; masking and formatting happen on the log's writer thread.
/// A line about a webhook masks that webhook's own credential values wherever they appear, also
/// when they are not in the memory cache: then the values are taken through the cache (L1, L2,
/// source) off the event loop first, and the guid comes back once the line is queued.
enum LogMethods {
    static func register(into table: inout MethodTable, alerts: AlertSubsystem, credentials: CredentialService, settings: StructuredLoggingSettings) {
        let masker = Masker(enabled: settings.maskSensitive, extraHeaderNames: settings.extraMaskedHeaders, extraKeys: settings.extraMaskedKeys)

        /// The masker for a line about the webhook, with its credential values when the memory
        /// cache has them (or knows there are none); nil when they must be fetched first.
        @Sendable func cachedMasker(_ key: WebhookKey) -> Masker? {
            switch credentials.cache.lookup(key) {
            case .fresh(let credential, _, _), .stale(let credential, _): masker.adding(knownSecrets: credential.secretValues)
            case .missing: masker
            case .absent: nil
            }
        }

        /// Queues the line with `key`'s credential values masked: at once from the memory cache,
        /// or after fetching them (a deferred reply) when they are not there.
        @Sendable func emitMasked(_ key: WebhookKey, guid: String, into output: inout ByteBuffer,
                                  _ emit: @escaping @Sendable (Masker) -> Void) -> MethodResult {
            if let lineMasker = cachedMasker(key) {
                emit(lineMasker)
                writeGUID(guid, into: &output)
                return .written
            }
            return .later {
                // An unknown webhook or an unreachable source leaves nothing more to mask by value.
                let lookup = try? await credentials.lookup(key)
                emit(lookup.map { masker.adding(knownSecrets: $0.credential.secretValues) } ?? masker)
                return ["guid": .string(guid)]
            }
        }

        table.registerDirect(MethodName.logRequest) { params, _, output throws(RPCError) in
            let code: String, direction: WebhookDirection, method: String, url: String
            let headers: JSONObject?, credentialSource: String?, guid: String
            do throws(JSONAccessError) {
                code = try validCode(params)
                direction = try params.direction() ?? .outbound
                method = try params.string("method")
                url = try params.string("url")
                headers = try params.optionalObject("headers")
                credentialSource = try params.optionalString("credential_source")
                guid = try params.optionalString("guid") ?? StructuredLogEvent.newGUID()
            } catch {
                throw .invalidParams(error)
            }
            let payload = params["payload"]
            let timestamp = SystemClock.wallSeconds()
            let key = try webhookKey(code, direction)
            return emitMasked(key, guid: guid, into: &output) { lineMasker in
                alerts.emit(topic: "webhook/requests") {
                    StructuredLogEvent.request(webhookCode: code, direction: direction.rawValue, method: method, url: url, payload: payload,
                                               headers: headers, credentialSource: credentialSource, timestamp: timestamp, guid: guid,
                                               masker: lineMasker)
                }
            }
        }

        table.registerDirect(MethodName.logResponse) { params, _, output throws(RPCError) in
            let code: String, direction: WebhookDirection, guid: String, status: Int64?, body: String?
            let duration: Double, success: Bool, error: String?
            do throws(JSONAccessError) {
                code = try validCode(params)
                direction = try params.direction() ?? .outbound
                guid = try params.string("guid")
                status = try params.optionalInteger("status_code")
                if let status, !(100...599).contains(status) {
                    throw JSONAccessError(key: "status_code", problem: .invalid(reason: "must be an HTTP status from 100 to 599"))
                }
                body = try params.optionalString("response_body")
                guard let seconds = try params.optionalDouble("duration") else { throw JSONAccessError(key: "duration", problem: .missing) }
                guard seconds >= 0 && seconds.isFinite else { throw JSONAccessError(key: "duration", problem: .invalid(reason: "must be zero or more seconds")) }
                duration = seconds
                guard let succeeded = try params.optionalBool("success") else { throw JSONAccessError(key: "success", problem: .missing) }
                success = succeeded
                error = try params.optionalString("error")
            } catch {
                throw .invalidParams(error)
            }
            let timestamp = SystemClock.wallSeconds()
            let key = try webhookKey(code, direction)
            return emitMasked(key, guid: guid, into: &output) { lineMasker in
                alerts.emit(topic: "webhook/responses") {
                    StructuredLogEvent.response(webhookCode: code, direction: direction.rawValue, statusCode: status.map { Int($0) },
                                                responseBody: body, duration: duration, success: success, error: error,
                                                timestamp: timestamp, guid: guid, masker: lineMasker)
                }
            }
        }
    }

    /// The reply of both methods, `{"guid":…}`, written straight into the outgoing buffer.
    private static func writeGUID(_ guid: String, into output: inout ByteBuffer) {
        output.writeJSON(expectedBytes: 64) { writer in
            writer.append(#"{"guid":"#)
            JSONValue.string(guid).encode(into: &writer)
            writer.append("}")
        }
    }

    /// The key of a code `validCode` accepted.
    private static func webhookKey(_ code: String, _ direction: WebhookDirection) throws(RPCError) -> WebhookKey {
        do throws(WebhookValidationError) {
            return try WebhookKey(code: code, direction: direction)
        } catch {
            throw RPCError(error)
        }
    }

    private static func validCode(_ params: JSONObject) throws(JSONAccessError) -> String {
        let code = try params.string("webhook_code")
        guard WebhookKey.isValidCode(code) else {
            throw JSONAccessError(key: "webhook_code", problem: .invalid(reason: "must be 1 to 64 characters of A-Z, 0-9 and _"))
        }
        return code
    }
}
