import HookJSON
import HookRPC

/// Typed calls for the testing sandbox: what needs a webhook's secret (signing a sample event,
/// re-signing a capture) or its delivery route happens inside hookd, which must run with
/// `sandbox.enabled: true`; otherwise each call is refused with `reason: sandbox_disabled`.
extension HookClient {
    /// `sandbox.trigger`: hookd builds the provider's sample `event`, signs it with the IN
    /// webhook `code`'s secret as that provider signs, and POSTs it to `to` (loopback only).
    /// - Returns: `{status_code, duration_ms, headers_sent, response_preview?, event_id}`.
    public func sandboxTrigger(code: String, provider: String, event: String, to: String) throws(HookClientError) -> JSONValue {
        try call(MethodName.sandboxTrigger, params: [
            "code": .string(code), "provider": .string(provider), "event": .string(event), "to": .string(to),
        ])
    }

    /// `sandbox.replay`: sends a captured request again to `to` + `path`; with `resignCode`, its
    /// signature headers are made afresh with that IN webhook's secret and the current time.
    /// - Parameters:
    ///   - headers: the captured headers by name (hop-by-hop ones are dropped by hookd).
    ///   - bodyBase64: the captured body's exact bytes, base64.
    /// - Returns: `{status_code, duration_ms, headers_sent, response_preview?}`.
    public func sandboxReplay(
        method: String, path: String? = nil, headers: [String: String], bodyBase64: String, to: String, resignCode: String? = nil
    ) throws(HookClientError) -> JSONValue {
        var params: JSONObject = [
            "method": .string(method),
            "headers": .object(JSONObject(headers.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: .string($0.value)) })),
            "body_base64": .string(bodyBase64),
            "to": .string(to),
        ]
        if let path { params["path"] = .string(path) }
        if let resignCode { params["resign_code"] = .string(resignCode) }
        return try call(MethodName.sandboxReplay, params: params)
    }

    /// `sandbox.route`: deliveries and validation of the OUT webhooks `codes` go to `to` (a
    /// sandbox endpoint URL) instead of their registered URL, until unrouted or hookd restarts.
    /// - Returns: `{routed, to}`.
    public func sandboxRoute(codes: [String], to: String) throws(HookClientError) -> JSONValue {
        try call(MethodName.sandboxRoute, params: ["codes": .array(codes.map(JSONValue.string)), "to": .string(to)])
    }

    /// `sandbox.unroute`: the OUT webhooks `codes` go back to their own URLs.
    /// - Returns: `{unrouted}`, the codes that were routed.
    public func sandboxUnroute(codes: [String]) throws(HookClientError) -> JSONValue {
        try call(MethodName.sandboxUnroute, params: ["codes": .array(codes.map(JSONValue.string))])
    }
}
