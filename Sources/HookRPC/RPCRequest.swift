import HookJSON

/// One decoded JSON-RPC 2.0 call: a request when it has an id, a notification when it has none.
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

/// What one line of input holds, as the JSON-RPC 2.0 specification sorts it.
public enum RPCIncoming: Sendable, Equatable {
    /// A blank line: ignored, no reply.
    case empty
    /// One call, or the error reply owed for an unusable one.
    case single(RPCCall)
    /// A non-empty batch, element by element in order.
    case batch([RPCCall])
}

/// One element of input: a usable request, or the error to answer instead (always with an id,
/// null when the id could not be read).
public enum RPCCall: Sendable, Equatable {
    case request(RPCRequest)
    case invalid(id: RPCID, error: RPCError)
}

extension RPCIncoming {
    /// Decodes one line (without its newline) into requests and the errors owed for bad input.
    public static func decode(line: UnsafeRawBufferPointer) -> RPCIncoming {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .empty }
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            return .single(.invalid(id: .null, error: RPCError(.parseError, "parse error: \(error.description)")))
        }
        return decode(value: value)
    }

    /// Sorts an already parsed value into a single call or a batch.
    public static func decode(value: JSONValue) -> RPCIncoming {
        guard case .array(let elements) = value else { return .single(RPCCall.decode(value)) }
        guard !elements.isEmpty else {
            return .single(.invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: empty batch")))
        }
        return .batch(elements.map(RPCCall.decode))
    }
}

extension RPCCall {
    /// Checks one request object against the specification.
    public static func decode(_ value: JSONValue) -> RPCCall {
        guard case .object(let object) = value else {
            return .invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: expected an object, found \(value.typeName)"))
        }
        // Read the id first so that every later error can carry it.
        var id: RPCID? = nil
        if let rawID = object["id"] {
            guard let parsed = RPCID(rawID) else {
                return .invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: 'id' must be a string, a number or null"))
            }
            id = parsed
        }
        let replyID = id ?? .null
        guard object["jsonrpc"] == .string("2.0") else {
            return .invalid(id: replyID, error: RPCError(.invalidRequest, "invalid request: 'jsonrpc' must be \"2.0\""))
        }
        guard case .string(let method)? = object["method"] else {
            return .invalid(id: replyID, error: RPCError(.invalidRequest, "invalid request: 'method' must be a string"))
        }
        let params = object["params"]
        switch params {
        case nil, .object?, .array?: break
        case let other?:
            return .invalid(id: replyID, error: RPCError(.invalidRequest, "invalid request: 'params' must be an object or an array, found \(other.typeName)"))
        }
        return .request(RPCRequest(id: id, method: method, params: params))
    }
}
