import HookJSON
import HookRPC

/// Typed calls for the delivery engine: hand hookd a webhook to send, then follow it.
extension HookClient {
    /// How long `deliver` waits for hookd's answer.
    public enum DeliveryWait: String, Sendable {
        /// Once the delivery is committed to the queue (the default).
        case accepted
        /// Also until its first attempt's outcome.
        case firstAttempt = "first_attempt"
        /// Until it is delivered, dead or cancelled.
        case final
    }

    /// `webhook.deliver`: queues `payload` for the webhook; hookd applies the credential, sends
    /// and retries it.
    /// - Returns: `{delivery_id, status, attempt?, timed_out?}`.
    public func deliver(
        code: String, payload: JSONValue, headers: [String: String] = [:], method: String? = nil,
        idempotencyKey: String? = nil, wait: DeliveryWait = .accepted, timeoutMilliseconds: Int? = nil
    ) throws(HookClientError) -> JSONValue {
        var params: JSONObject = ["code": .string(code), "payload": payload, "wait": .string(wait.rawValue)]
        if !headers.isEmpty {
            params["headers"] = .object(JSONObject(headers.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: .string($0.value)) }))
        }
        if let method { params["method"] = .string(method) }
        if let idempotencyKey { params["idempotency_key"] = .string(idempotencyKey) }
        if let timeoutMilliseconds { params["timeout_ms"] = .integer(Int64(timeoutMilliseconds)) }
        return try call(MethodName.webhookDeliver, params: params)
    }

    /// `delivery.get`: a delivery and its attempts.
    public func delivery(id: String) throws(HookClientError) -> JSONValue {
        try call(MethodName.deliveryGet, params: ["delivery_id": .string(id)])
    }

    /// `delivery.list`: deliveries newest first; `next_cursor` fetches the next page.
    public func deliveries(code: String? = nil, status: String? = nil, limit: Int? = nil, cursor: String? = nil) throws(HookClientError) -> JSONValue {
        var params = JSONObject()
        if let code { params["code"] = .string(code) }
        if let status { params["status"] = .string(status) }
        if let limit { params["limit"] = .integer(Int64(limit)) }
        if let cursor { params["cursor"] = .string(cursor) }
        return try call(MethodName.deliveryList, params: params)
    }

    /// `delivery.cancel`: stops a delivery that is not final yet.
    public func cancelDelivery(id: String) throws(HookClientError) -> JSONValue {
        try call(MethodName.deliveryCancel, params: ["delivery_id": .string(id)])
    }

    /// `delivery.stats`: counts per status, and with `code` the webhook's breaker.
    public func deliveryStats(code: String? = nil) throws(HookClientError) -> JSONValue {
        try call(MethodName.deliveryStats, params: code.map { ["code": .string($0)] } ?? [:])
    }
}

extension HookClient {
    /// `delivery.replay`: sends a dead or delivered delivery again as a new one (the same
    /// `webhook-id` unless `newMessage`).
    /// - Returns: `{replays: [{delivery_id, replay_of}]}`.
    public func replayDelivery(id: String, newMessage: Bool = false) throws(HookClientError) -> JSONValue {
        try call(MethodName.deliveryReplay, params: ["delivery_id": .string(id), "new_message": .bool(newMessage)])
    }

    /// `delivery.replay` for a webhook's deliveries in `status` (`dead` or `delivered`), newest first.
    public func replayDeliveries(code: String, status: String, limit: Int? = nil, newMessage: Bool = false) throws(HookClientError) -> JSONValue {
        var params: JSONObject = ["code": .string(code), "status": .string(status), "new_message": .bool(newMessage)]
        if let limit { params["limit"] = .integer(Int64(limit)) }
        return try call(MethodName.deliveryReplay, params: params)
    }
}
