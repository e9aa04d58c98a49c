import Foundation
import HookCore
import HookJSON
import HookRPC
import HookStore

/// `webhook.deliver` and `delivery.*`: hookd sends the webhook, durably, and answers about it.
enum DeliveryMethods {
    /// How long `wait: first_attempt | final` waits at most (`timeout_ms` may ask for less).
    static let defaultWaitMilliseconds: Int64 = 30_000
    static let maximumWaitMilliseconds: Int64 = 3_600_000
    static let methods: Set<String> = ["POST", "PUT", "PATCH", "DELETE", "GET"]

    /// - Parameter fleet: the idempotency ledger shared with other hookds (nil without Redis).
    static func register(into table: inout MethodTable, engine: DeliveryEngine, fleet: FleetIdempotency?, incidents: IncidentLogger) {
        table.register(MethodName.webhookDeliver) { params, _ throws(RPCError) in
            let request = try DeliverRequest(params, maxPayloadBytes: engine.settings.maxPayloadBytes)
            return .later { () throws(RPCError) -> JSONValue in
                let webhook: Webhook
                do throws(CredentialError) {
                    // The engine's copy: re-read after any change made through hookd, else at most a second old.
                    guard let found = try await engine.definition(request.key) else { throw CredentialError.unknownWebhook(request.key) }
                    webhook = found
                } catch {
                    throw RPCError(error, incidents: incidents, method: MethodName.webhookDeliver)
                }
                guard webhook.enabled else {
                    throw RPCError(.invalidParams, "invalid params: webhook \(webhook.key.code) is disabled",
                                   details: ["parameter": "code", "reason": "webhook_disabled"])
                }
                // Keyed deliveries are first claimed across hosts (Redis); `fleetClaim` is the key
                // this host then holds and must settle, whatever the queue answers.
                var fleetClaim: (FleetIdempotency, String)? = nil
                var hostOnly = false
                if let fleet, let key = request.idempotencyKey {
                    switch await fleet.admit(code: request.key.code, key: key) {
                    case .queueHere(let claimed):
                        if claimed { fleetClaim = (fleet, key) }
                    case .deliveredElsewhere(let instance, let deliveryID):
                        return ["delivery_id": .string(deliveryID), "status": "elsewhere", "instance": .string(instance)]
                    case .pendingElsewhere(let instance):
                        throw RPCError(.overloaded, "another hookd (\(instance)) is queueing a delivery with this idempotency_key; try again shortly",
                                       details: ["reason": "idempotency_key_pending", "instance": .string(instance)])
                    case .hostOnly:
                        hostOnly = true
                    }
                }
                let delivery = NewDelivery(code: request.key.code, direction: request.key.direction, method: request.method ?? webhook.method,
                                           headers: request.headers, body: request.body, contentType: request.contentType,
                                           idempotencyKey: request.idempotencyKey)
                let enqueued: EnqueueResult
                do throws(StoreError) {
                    enqueued = try await engine.enqueue(delivery)
                } catch {
                    if let (fleet, key) = fleetClaim { await fleet.settle(code: request.key.code, key: key, queued: nil) }
                    throw incidents.internalError(MethodName.webhookDeliver, error)
                }
                if let (fleet, key) = fleetClaim { await fleet.settle(code: request.key.code, key: key, queued: enqueued.record?.id) }
                guard let record = enqueued.record else {
                    let limit = engine.settings.maxQueued
                    throw RPCError(.overloaded, "the delivery queue is full (limit \(limit)); try again later",
                                   details: ["reason": "queue_full", "limit": .integer(Int64(limit))])
                }
                var result: JSONObject = ["delivery_id": .string(record.id.rawValue), "status": .string(record.status.rawValue)]
                if hostOnly { result["idempotency_scope"] = "host" }
                switch request.wait {
                case .accepted:
                    return .object(result)
                case .firstAttempt, .final:
                    let goal: DeliveryWaiters.Goal = request.wait == .final ? .final : .firstAttempt
                    if case .duplicate = enqueued, record.status.isFinal || (goal == .firstAttempt && record.attemptCount > 0) {
                        // A repeated key whose delivery already got there: nothing to wait for.
                        let detail = (try? await engine.read { queue throws(StoreError) in try queue.get(record.id) }) ?? nil
                        result["status"] = .string((detail?.record ?? record).status.rawValue)
                        if let attempt = detail?.attempts.last { result["attempt"] = attempt.json }
                        return .object(result)
                    }
                    let wakeup = await engine.waiters.wait(for: record.id, goal: goal, timeout: Double(request.timeoutMilliseconds) / 1000)
                    var current = wakeup.record
                    var attempt = wakeup.attempt
                    if wakeup.timedOut {
                        let detail = (try? await engine.read { queue throws(StoreError) in try queue.get(record.id) }) ?? nil
                        current = detail?.record
                        attempt = detail?.attempts.last
                    }
                    result["status"] = .string((current ?? record).status.rawValue)
                    if let attempt { result["attempt"] = attempt.json }
                    if wakeup.timedOut { result["timed_out"] = true }
                    return .object(result)
                }
            }
        }

        table.register(MethodName.deliveryGet) { params, _ throws(RPCError) in
            let id = try deliveryID(params)
            return .later { () throws(RPCError) -> JSONValue in
                let detail: DeliveryRecordDetail?
                do throws(StoreError) {
                    detail = try await engine.read { queue throws(StoreError) in try queue.get(id) }
                } catch {
                    throw incidents.internalError(MethodName.deliveryGet, error)
                }
                guard let detail else { throw notFound(id) }
                var json = detail.record.summaryJSON
                json["attempts"] = .array(detail.attempts.map(\.json))
                return .object(json)
            }
        }

        table.register(MethodName.deliveryList) { params, _ throws(RPCError) in
            let code: String?, status: DeliveryStatus?, since: Double?, limit: Int, cursor: DeliveryRecord.ID?
            do throws(JSONAccessError) {
                code = try params.optionalCode()
                status = try params.optionalString("status").map { text throws(JSONAccessError) in
                    guard let status = DeliveryStatus(rawValue: text) else {
                        throw JSONAccessError(key: "status", problem: .invalid(reason: "must be one of "
                            + DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")))
                    }
                    return status
                }
                since = try params.optionalDouble("since")
                let asked = try params.optionalInteger("limit") ?? 100
                guard (1...1000).contains(asked) else { throw JSONAccessError(key: "limit", problem: .invalid(reason: "must be from 1 to 1000")) }
                limit = Int(asked)
                cursor = try params.optionalString("cursor").map { text throws(JSONAccessError) in
                    guard let id = DeliveryRecord.ID(text) else { throw JSONAccessError(key: "cursor", problem: .invalid(reason: "is not a delivery id")) }
                    return id
                }
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                do throws(StoreError) {
                    let page = try await engine.read { queue throws(StoreError) in
                        try queue.list(code: code, status: status, since: since, limit: limit, cursor: cursor)
                    }
                    return ["deliveries": .array(page.records.map { .object($0.summaryJSON) }),
                            "next_cursor": page.nextCursor.map { .string($0.rawValue) } ?? .null]
                } catch {
                    throw incidents.internalError(MethodName.deliveryList, error)
                }
            }
        }

        table.register(MethodName.deliveryCancel) { params, _ throws(RPCError) in
            let id = try deliveryID(params)
            return .later { () throws(RPCError) -> JSONValue in
                let result: DeliveryQueueCancelResult
                do throws(StoreError) {
                    result = try await engine.cancel(id)
                } catch {
                    throw incidents.internalError(MethodName.deliveryCancel, error)
                }
                switch result {
                case .cancelled(let record): return ["cancelled": true, "status": .string(record.status.rawValue)]
                case .alreadyFinal(let record): return ["cancelled": false, "status": .string(record.status.rawValue)]
                case .notFound: throw notFound(id)
                }
            }
        }

        table.register(MethodName.deliveryReplay) { params, _ throws(RPCError) in
            let id: DeliveryRecord.ID?, code: String?, status: DeliveryStatus?, newMessage: Bool, limit: Int
            do throws(JSONAccessError) {
                // Every parameter is read before any is judged.
                let idText = try params.optionalString("delivery_id")
                code = try params.optionalCode()
                let statusText = try params.optionalString("status")
                newMessage = try params.optionalBool("new_message") ?? false
                let asked = try params.optionalInteger("limit") ?? 100
                guard (1...1000).contains(asked) else { throw JSONAccessError(key: "limit", problem: .invalid(reason: "must be from 1 to 1000")) }
                limit = Int(asked)
                id = try idText.map { text throws(JSONAccessError) in
                    guard let id = DeliveryRecord.ID(text) else {
                        throw JSONAccessError(key: "delivery_id", problem: .invalid(reason: "is not a delivery id (dlv_…)"))
                    }
                    return id
                }
                status = try statusText.map { text throws(JSONAccessError) in
                    guard let status = DeliveryStatus(rawValue: text), status == .dead || status == .delivered else {
                        throw JSONAccessError(key: "status", problem: .invalid(reason: "must be dead or delivered"))
                    }
                    return status
                }
                switch (id, code, status) {
                case (.some, nil, nil), (nil, .some, .some): break
                default:
                    throw JSONAccessError(key: "delivery_id", problem: .invalid(reason: "give delivery_id, or code and status"))
                }
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                var originals: [DeliveryRecord] = []
                var missing = false
                do throws(StoreError) {
                    if let id {
                        let detail = try await engine.read { queue throws(StoreError) in try queue.get(id) }
                        if let detail { originals = [detail.record] } else { missing = true }
                    } else if let code, let status {
                        let page = try await engine.read { queue throws(StoreError) in
                            try queue.list(code: code, status: status, since: nil, limit: limit, cursor: nil)
                        }
                        for listed in page.records {
                            if let detail = try await engine.read({ queue throws(StoreError) in try queue.get(listed.id) }) {
                                originals.append(detail.record)
                            }
                        }
                    }
                } catch {
                    throw incidents.internalError(MethodName.deliveryReplay, error)
                }
                if missing, let id { throw notFound(id) }
                if let original = originals.first, id != nil, !(original.status == .dead || original.status == .delivered) {
                    throw RPCError(.invalidParams, "invalid params: \(original.id.rawValue) is \(original.status.rawValue); only dead or delivered deliveries are replayed",
                                   details: ["parameter": "delivery_id", "reason": "not_final"])
                }
                var replays: [JSONValue] = []
                for original in originals {
                    guard let payload = original.payload else { continue }
                    let replay = NewDelivery(code: original.code, direction: original.direction, method: payload.method, headers: payload.headers,
                                             body: payload.body, contentType: payload.contentType,
                                             messageID: newMessage ? nil : original.messageID, replayOf: original.id)
                    let enqueued: EnqueueResult
                    do throws(StoreError) {
                        enqueued = try await engine.enqueue(replay)
                    } catch {
                        throw incidents.internalError(MethodName.deliveryReplay, error)
                    }
                    guard let record = enqueued.record else {
                        throw RPCError(.overloaded, "the delivery queue is full (limit \(engine.settings.maxQueued)); try again later",
                                       details: ["reason": "queue_full", "limit": .integer(Int64(engine.settings.maxQueued))])
                    }
                    replays.append(["delivery_id": .string(record.id.rawValue), "replay_of": .string(original.id.rawValue)])
                }
                return ["replays": .array(replays)]
            }
        }

        table.register(MethodName.deliveryStats) { params, _ throws(RPCError) in
            let code: String?
            do throws(JSONAccessError) {
                code = try params.optionalCode()
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let stats: DeliveryQueueStats
                do throws(StoreError) {
                    stats = try await engine.read { queue throws(StoreError) in try queue.stats(code: code, now: SystemClock.wallSeconds()) }
                } catch {
                    throw incidents.internalError(MethodName.deliveryStats, error)
                }
                var json: JSONObject = [
                    "queued": .integer(Int64(stats.queued)), "in_flight": .integer(Int64(stats.inFlight)),
                    "retrying": .integer(Int64(stats.retrying)), "delivered": .integer(Int64(stats.delivered)),
                    "dead": .integer(Int64(stats.dead)), "cancelled": .integer(Int64(stats.cancelled)),
                    "oldest_queued_age_s": stats.oldestQueuedAge.map(JSONValue.double) ?? .null,
                ]
                if let code {
                    let breaker = engine.breakerSnapshot(code: code)
                    var breakerJSON: JSONObject = ["state": .string(breaker.state)]
                    if let openedAt = breaker.openedAt { breakerJSON["opened_at"] = .string(ISO8601.format(openedAt, fractionalDigits: 3)) }
                    json["breaker"] = .object(breakerJSON)
                }
                return .object(json)
            }
        }
    }

    private static func deliveryID(_ params: JSONObject) throws(RPCError) -> DeliveryRecord.ID {
        do throws(JSONAccessError) {
            let text = try params.string("delivery_id")
            guard let id = DeliveryRecord.ID(text) else {
                throw JSONAccessError(key: "delivery_id", problem: .invalid(reason: "is not a delivery id (dlv_…)"))
            }
            return id
        } catch {
            throw .invalidParams(error)
        }
    }

    private static func notFound(_ id: DeliveryRecord.ID) -> RPCError {
        RPCError(.notFound, "no delivery \(id.rawValue)", details: ["delivery_id": .string(id.rawValue)])
    }

    /// `webhook.deliver`'s parameters, checked on the event loop.
    private struct DeliverRequest: Sendable {
        enum Wait: String { case accepted, firstAttempt = "first_attempt", final }

        var key: WebhookKey
        var body: [UInt8]
        var contentType: String?
        var headers: [String: String] = [:]
        var method: String?
        var idempotencyKey: String?
        var wait = Wait.accepted
        var timeoutMilliseconds = DeliveryMethods.defaultWaitMilliseconds

        init(_ params: JSONObject, maxPayloadBytes: Int) throws(RPCError) {
            key = try params.webhookKey()
            do throws(JSONAccessError) {
                let payload = params["payload"].flatMap { $0 == .null ? nil : $0 }
                let base64 = try params.optionalString("body_base64")
                contentType = try params.optionalString("content_type")
                if let headerObject = try params.optionalObject("headers") {
                    for member in headerObject {
                        guard case .string(let value) = member.value else {
                            throw JSONAccessError(key: "headers.\(member.key)", problem: .invalid(reason: "must be a string"))
                        }
                        if let problem = WebhookDefinition.headerProblem(name: member.key, value: value) {
                            throw JSONAccessError(key: "headers.\(member.key)", problem: .invalid(reason: problem))
                        }
                        headers[member.key] = value
                    }
                }
                if let method = try params.optionalString("method") {
                    guard DeliveryMethods.methods.contains(method) else {
                        throw JSONAccessError(key: "method", problem: .invalid(reason: "must be one of POST, PUT, PATCH, DELETE, GET"))
                    }
                    self.method = method
                }
                if let idempotencyKey = try params.optionalString("idempotency_key") {
                    guard (1...255).contains(idempotencyKey.utf8.count) else {
                        throw JSONAccessError(key: "idempotency_key", problem: .invalid(reason: "must be 1 to 255 bytes"))
                    }
                    self.idempotencyKey = idempotencyKey
                }
                if let text = try params.optionalString("wait") {
                    guard let wait = Wait(rawValue: text) else {
                        throw JSONAccessError(key: "wait", problem: .invalid(reason: "must be accepted, first_attempt or final"))
                    }
                    self.wait = wait
                }
                if let timeout = try params.optionalInteger("timeout_ms") {
                    guard (1...DeliveryMethods.maximumWaitMilliseconds).contains(timeout) else {
                        throw JSONAccessError(key: "timeout_ms", problem: .invalid(reason: "must be from 1 to 3600000"))
                    }
                    timeoutMilliseconds = timeout
                }
                // Every parameter is read before any is judged against another.
                switch (payload, base64) {
                case (.some, .some):
                    throw JSONAccessError(key: "body_base64", problem: .invalid(reason: "give payload or body_base64, not both"))
                case (let payload?, nil):
                    body = payload.encoded()
                    contentType = contentType ?? "application/json"
                case (nil, let base64?):
                    guard let data = Data(base64Encoded: base64) else {
                        throw JSONAccessError(key: "body_base64", problem: .invalid(reason: "is not base64"))
                    }
                    body = Array(data)
                    contentType = contentType ?? "application/octet-stream"
                case (nil, nil):
                    body = []
                }
            } catch {
                throw .invalidParams(error)
            }
            guard body.count <= maxPayloadBytes else {
                throw RPCError(.invalidParams, "invalid params: the payload is \(body.count) bytes, more than delivery.max_payload_bytes (\(maxPayloadBytes))",
                               details: ["parameter": "payload", "reason": "payload_too_large", "limit": .integer(Int64(maxPayloadBytes))])
            }
        }
    }
}

extension DeliveryRecord {
    /// `delivery.list`'s row and the head of `delivery.get`.
    var summaryJSON: JSONObject {
        [
            "delivery_id": .string(id.rawValue), "code": .string(code), "direction": .string(direction.rawValue),
            "status": .string(status.rawValue), "created_at": .string(ISO8601.format(createdAt, fractionalDigits: 3)),
            "next_attempt_at": nextAttemptAt.map { .string(ISO8601.format($0, fractionalDigits: 3)) } ?? .null,
            "finished_at": finishedAt.map { .string(ISO8601.format($0, fractionalDigits: 3)) } ?? .null,
            "attempt_count": .integer(Int64(attemptCount)), "last_error": lastError.map(JSONValue.string) ?? .null,
            "dead_reason": deadReason.map(JSONValue.string) ?? .null,
            "idempotency_key": idempotencyKey.map(JSONValue.string) ?? .null,
            "message_id": .string(messageID.rawValue), "replay_of": replayOf.map { .string($0.rawValue) } ?? .null,
        ]
    }
}

extension DeliveryAttempt {
    /// An attempt as `webhook.deliver` and `delivery.get` show it.
    var json: JSONValue {
        [
            "number": .integer(Int64(number)), "at": .string(ISO8601.format(at, fractionalDigits: 3)),
            "status_code": statusCode.map { .integer(Int64($0)) } ?? .null, "duration_ms": .double(durationMilliseconds),
            "error": error.map(JSONValue.string) ?? .null, "response_preview": responsePreview.map(JSONValue.string) ?? .null,
        ]
    }
}
