import HookJSON

/// One JSON-RPC 2.0 call as a client builds it: a request when it has an id, a notification when
/// it has none. The daemon reads calls as `RPCEnvelope`s instead, straight from the line's bytes.
public struct RPCRequest: Sendable, Equatable {
    /// nil for a notification, which never gets a reply.
    public var id: RPCID?
    public var method: String
    /// The `params` member as sent; `params(...)` gives it as an object or the right error.
    public var rawParams: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.rawParams = params
    }

    public var isNotification: Bool { id == nil }

    /// The params as a by-name object (absent means empty).
    /// - Throws: `RPCError` `invalid_params` for by-position (array) params, which hookd does not take.
    public func params() throws(RPCError) -> JSONObject {
        switch rawParams {
        case nil: return [:]
        case .object(let object)?: return object
        default: throw RPCError(.invalidParams, "params must be an object (by-name); hookd does not take positional params")
        }
    }

    /// The request as a JSON value, as clients send it.
    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let rawParams { object["params"] = rawParams }
        if let id { object["id"] = id.json }
        return .object(object)
    }

    /// The request as one wire line (without the newline).
    public func encoded() -> [UInt8] { json.encoded() }
}
