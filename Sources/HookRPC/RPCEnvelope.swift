import HookJSON

/// One call as the daemon reads it from its line: the id and method decoded, `params` left as
/// bytes until the method that wants them is known (`params(in:)`), so they are parsed once.
public struct RPCEnvelope: Sendable, Equatable {
    /// nil for a notification, which never gets a reply.
    public var id: RPCID?
    public var method: String
    /// Where `params` lies in the line (an object or an array), nil when absent.
    public var params: JSONSpan?

    public init(id: RPCID?, method: String, params: JSONSpan? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }

    /// The params as a by-name object (absent means empty), read from the line they came in.
    /// - Parameter line: the very bytes this envelope was decoded from.
    /// - Throws: `RPCError` `invalid_params` for by-position (array) params, which hookd does not take.
    public func params(in line: UnsafeRawBufferPointer) throws(RPCError) -> JSONObject {
        guard let params else { return [:] }
        guard case .object(let object) = JSONScanner.value(at: params, in: line) else {
            throw RPCError(.invalidParams, "params must be an object (by-name); hookd does not take positional params")
        }
        return object
    }
}

/// What one line of input holds, as the JSON-RPC 2.0 specification sorts it. Spans inside refer
/// to the line the value was decoded from.
public enum RPCIncoming: Sendable, Equatable {
    /// A blank line: ignored, no reply.
    case empty
    /// One call, or the error reply owed for an unusable one.
    case single(RPCCall)
    /// A non-empty batch, element by element in order.
    case batch([RPCCall])
}

/// One element of input: a usable call, or the error to answer instead (always with an id, null
/// when the id could not be read).
public enum RPCCall: Sendable, Equatable {
    case request(RPCEnvelope)
    case invalid(id: RPCID, error: RPCError)
}

extension RPCIncoming {
    /// Decodes one line (without its newline): one strict pass over every byte, then the
    /// envelope's members read in place. Nothing of `params` is built here.
    ///
    /// A batch of more than `maxBatch` calls is one `invalid_request` (`data.reason`
    /// `batch_too_large`), counted before any call is decoded, so its size costs no memory.
    public static func decode(line: UnsafeRawBufferPointer, maxBatch: Int = .max) -> RPCIncoming {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .empty }
        do {
            try JSONScanner.validate(line)
        } catch {
            return .single(.invalid(id: .null, error: RPCError(.parseError, "parse error: \(error.description)")))
        }
        let value = JSONScanner.valueSpan(in: line)
        guard line[value.start] == UInt8(ascii: "[") else { return .single(RPCCall.decode(value, in: line)) }
        var size = 0
        JSONScanner.forEachElement(of: value, in: line) { _ in size += 1 }
        guard size <= maxBatch else {
            return .single(.invalid(id: .null, error: RPCError(
                .invalidRequest, "invalid request: a batch of \(size) calls exceeds the limit of \(maxBatch)",
                details: ["reason": "batch_too_large", "limit": .integer(Int64(maxBatch)), "size": .integer(Int64(size))])))
        }
        var calls: [RPCCall] = []
        calls.reserveCapacity(size)
        JSONScanner.forEachElement(of: value, in: line) { calls.append(RPCCall.decode($0, in: line)) }
        guard !calls.isEmpty else {
            return .single(.invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: empty batch")))
        }
        return .batch(calls)
    }
}

extension RPCCall {
    /// Checks one validated request value against the specification.
    static func decode(_ value: JSONSpan, in line: UnsafeRawBufferPointer) -> RPCCall {
        guard line[value.start] == UInt8(ascii: "{") else {
            return .invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: expected an object, found \(typeName(at: value, in: line))"))
        }
        var version: JSONSpan?, rawID: JSONSpan?, method: JSONSpan?, params: JSONSpan?
        JSONScanner.forEachMember(of: value, in: line) { member in
            // By length first: each member costs at most one comparison of bytes (two for 6).
            switch member.keyHasEscapes ? -1 : member.key.count {
            case 2: if JSONScanner.key(member, in: line, equals: "id") { rawID = member.value }
            case 6:
                if JSONScanner.key(member, in: line, equals: "method") { method = member.value }
                else if JSONScanner.key(member, in: line, equals: "params") { params = member.value }
            case 7: if JSONScanner.key(member, in: line, equals: "jsonrpc") { version = member.value }
            case -1:
                if JSONScanner.key(member, in: line, equals: "jsonrpc") { version = member.value }
                else if JSONScanner.key(member, in: line, equals: "id") { rawID = member.value }
                else if JSONScanner.key(member, in: line, equals: "method") { method = member.value }
                else if JSONScanner.key(member, in: line, equals: "params") { params = member.value }
            default: break
            }
        }
        // Read the id first so that every later error can carry it.
        var id: RPCID? = nil
        if let rawID {
            guard let parsed = RPCID(at: rawID, in: line) else {
                return .invalid(id: .null, error: RPCError(.invalidRequest, "invalid request: 'id' must be a string, a number or null"))
            }
            id = parsed
        }
        let replyID = id ?? .null
        guard let version, isVersion2(version, in: line) else {
            return .invalid(id: replyID, error: RPCError(.invalidRequest, "invalid request: 'jsonrpc' must be \"2.0\""))
        }
        guard let method, line[method.start] == UInt8(ascii: "\"") else {
            return .invalid(id: replyID, error: RPCError(.invalidRequest, "invalid request: 'method' must be a string"))
        }
        if let params, line[params.start] != UInt8(ascii: "{"), line[params.start] != UInt8(ascii: "[") {
            return .invalid(id: replyID, error: RPCError(
                .invalidRequest, "invalid request: 'params' must be an object or an array, found \(typeName(at: params, in: line))"))
        }
        return .request(RPCEnvelope(id: id, method: JSONScanner.string(at: method, in: line), params: params))
    }

    /// Whether the `jsonrpc` member is the string "2.0". The usual five bytes `"2.0"` are compared
    /// in place; only a longer string can spell it with escapes, and only that one is decoded.
    private static func isVersion2(_ span: JSONSpan, in line: UnsafeRawBufferPointer) -> Bool {
        guard line[span.start] == UInt8(ascii: "\"") else { return false }
        let bytes = span.bytes(in: line)
        if bytes.count == 5 {
            return bytes[1] == UInt8(ascii: "2") && bytes[2] == UInt8(ascii: ".") && bytes[3] == UInt8(ascii: "0")
        }
        return bytes.contains(UInt8(ascii: "\\")) && JSONScanner.string(at: span, in: line) == "2.0"
    }

    /// The JSON type name of a validated value, from its first byte.
    private static func typeName(at span: JSONSpan, in line: UnsafeRawBufferPointer) -> String {
        switch line[span.start] {
        case UInt8(ascii: "{"): "object"
        case UInt8(ascii: "["): "array"
        case UInt8(ascii: "\""): "string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "boolean"
        case UInt8(ascii: "n"): "null"
        default: "number"
        }
    }
}

extension RPCID {
    /// Reads an id in place from a validated line, or nil when it is not a valid id type.
    init?(at span: JSONSpan, in line: UnsafeRawBufferPointer) {
        switch line[span.start] {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "t"), UInt8(ascii: "f"): return nil
        default: self.init(JSONScanner.value(at: span, in: line))
        }
    }
}
