import HookJSON
import HookRPC

/// Typed calls for the registry and credentials, so Swift callers need no method names.
extension HookClient {
    /// `credential.get`: the credential and how the cache served it.
    public func credential(code: String, direction: String = "OUT") throws(HookClientError) -> JSONValue {
        try call(MethodName.credentialGet, params: ["code": .string(code), "direction": .string(direction)])
    }

    /// `credential.source`: where the credential lives and whether it exists; never the value.
    public func credentialSource(code: String, direction: String = "OUT") throws(HookClientError) -> JSONValue {
        try call(MethodName.credentialSource, params: ["code": .string(code), "direction": .string(direction)])
    }

    /// `validate.one`: checks one webhook's credential against its endpoint (or its signing secret).
    public func validate(code: String, direction: String = "OUT") throws(HookClientError) -> JSONValue {
        try call(MethodName.validateOne, params: ["code": .string(code), "direction": .string(direction)])
    }

    /// `validate.all`: checks every webhook (of a direction, or the listed codes), `concurrency` at a time.
    /// The call lasts as long as the slowest round of checks: give the client a timeout to match.
    public func validateAll(direction: String = "ALL", codes: [String]? = nil, concurrency: Int? = nil) throws(HookClientError) -> JSONValue {
        var params: JSONObject = ["direction": .string(direction)]
        if let codes { params["codes"] = .array(codes.map(JSONValue.string)) }
        if let concurrency { params["concurrency"] = .integer(Int64(concurrency)) }
        return try call(MethodName.validateAll, params: params)
    }

    /// `credential.warm`: brings the credential into hookd's caches without returning it.
    /// - Returns: `{cached, tier, ttl_s}`.
    public func warmCredential(code: String, direction: String = "OUT") throws(HookClientError) -> JSONValue {
        try call(MethodName.credentialWarm, params: ["code": .string(code), "direction": .string(direction)])
    }

    /// `credential.invalidate`: drops cached credentials (nil matches any) on every hookd sharing the cache.
    /// - Returns: how many entries this hookd dropped.
    public func invalidateCredentials(code: String? = nil, direction: String? = nil) throws(HookClientError) -> Int {
        var params = JSONObject()
        if let code { params["code"] = .string(code) }
        if let direction { params["direction"] = .string(direction) }
        return Int(try call(MethodName.credentialInvalidate, params: params)["invalidated"]?.integerValue ?? 0)
    }

    /// `webhook.get`.
    public func webhook(code: String, direction: String = "OUT") throws(HookClientError) -> JSONValue {
        try call(MethodName.webhookGet, params: ["code": .string(code), "direction": .string(direction)])
    }

    /// `webhook.list`.
    public func webhooks(direction: String? = nil) throws(HookClientError) -> [JSONValue] {
        try call(MethodName.webhookList, params: direction.map { ["direction": .string($0)] })["webhooks"]?.arrayValue ?? []
    }

    /// `webhook.upsert` with a definition object.
    public func upsertWebhook(_ definition: JSONObject) throws(HookClientError) -> JSONValue {
        try call(MethodName.webhookUpsert, params: definition)
    }

    /// `webhook.delete`.
    public func deleteWebhook(code: String, direction: String = "OUT") throws(HookClientError) -> Bool {
        try call(MethodName.webhookDelete, params: ["code": .string(code), "direction": .string(direction)])["deleted"] == .bool(true)
    }
}
