import HookJSON

/// A reply to one request: its id and either a result or an error.
public struct RPCResponse: Sendable, Equatable {
    public var id: RPCID
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RPCID, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }

    public init(id: RPCID, result: JSONValue) { self.init(id: id, outcome: .success(result)) }
    public init(id: RPCID, error: RPCError) { self.init(id: id, outcome: .failure(error)) }

    /// Appends the compact wire form (no newline) to `output`.
    @inlinable
    public func encode<Output: JSONOutput>(into output: inout Output) {
        switch outcome {
        case .success(let result):
            Self.encodeResultHead(id: id, into: &output)
            result.encode(into: &output)
        case .failure(let error):
            output.append(#"{"jsonrpc":"2.0","id":"#)
            id.json.encode(into: &output)
            output.append(#","error":"#)
            error.json.encode(into: &output)
        }
        output.append("}")
    }

    /// Appends a success reply up to its result (`{"jsonrpc":"2.0","id":…,"result":`): a hot
    /// handler writes its result next, then `}` closes the reply.
    @inlinable
    public static func encodeResultHead<Output: JSONOutput>(id: RPCID, into output: inout Output) {
        output.append(#"{"jsonrpc":"2.0","id":"#)
        id.json.encode(into: &output)
        output.append(#","result":"#)
    }

    /// Appends a batch reply: the responses as one JSON array.
    public static func encodeBatch<Output: JSONOutput>(_ responses: [RPCResponse], into output: inout Output) {
        output.append("[")
        for (index, response) in responses.enumerated() {
            if index > 0 { output.append(",") }
            response.encode(into: &output)
        }
        output.append("]")
    }

    /// Reads a response object as a client receives it.
    /// - Throws: `RPCError` `invalid_request` when the value is not a JSON-RPC 2.0 response.
    public static func decode(_ value: JSONValue) throws(RPCError) -> RPCResponse {
        guard case .object(let object) = value, object["jsonrpc"] == .string("2.0"),
              let rawID = object["id"], let id = RPCID(rawID)
        else { throw RPCError(.invalidRequest, "not a JSON-RPC 2.0 response: \(value.compactText.prefix(200))") }
        if let result = object["result"] { return RPCResponse(id: id, result: result) }
        guard case .object(let error)? = object["error"], let code = error["code"]?.integerValue else {
            throw RPCError(.invalidRequest, "response has neither a result nor a valid error")
        }
        let message = error["message"]?.stringValue ?? ""
        var details = error["data"]?.objectValue ?? [:]
        let kind = details["kind"]?.stringValue.flatMap(RPCErrorKind.init(rawValue:))
            ?? RPCErrorKind(code: Int(code)) ?? .internalError
        details["kind"] = nil
        return RPCResponse(id: id, error: RPCError(kind, message, details: details))
    }
}
