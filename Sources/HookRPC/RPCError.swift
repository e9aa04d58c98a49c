import HookJSON

/// The closed set of error kinds hookd answers with; each maps to exactly one JSON-RPC code.
///
/// `data.kind` on the wire is the raw value, so clients can branch on a stable string rather
/// than on a number or a message.
public enum RPCErrorKind: String, Sendable, CaseIterable {
    /// The line is not valid JSON (syntax, invalid UTF-8, duplicate keys, nesting, huge numbers).
    case parseError = "parse_error"
    /// Valid JSON that is not a JSON-RPC 2.0 request.
    case invalidRequest = "invalid_request"
    /// No method of that name.
    case methodNotFound = "method_not_found"
    /// The method exists but its params are wrong; the message names the parameter.
    case invalidParams = "invalid_params"
    /// A fault inside hookd; the details are logged with an incident id, never sent.
    case internalError = "internal_error"
    /// The ACL does not let this peer call this method.
    case permissionDenied = "permission_denied"
    /// The named thing does not exist.
    case notFound = "not_found"
    /// A request line over the configured limit; the connection is closed after this reply.
    case tooLarge = "too_large"
    /// The daemon is at its connection limit; the connection is closed after this reply.
    case overloaded = "overloaded"
    /// A credential could not be produced from any tier or source.
    case credentialUnavailable = "credential_unavailable"
    /// An outside service did not answer in time.
    case upstreamTimeout = "upstream_timeout"
    /// An outside service answered with an error.
    case upstreamError = "upstream_error"
    /// An outside service (or hookd itself) is limiting the rate of calls.
    case rateLimited = "rate_limited"
    /// The daemon is stopping and takes no new requests.
    case shuttingDown = "shutting_down"
    /// A configuration could not be loaded; the message names the file and key.
    case invalidConfig = "invalid_config"

    /// The JSON-RPC error code for this kind.
    public var code: Int {
        switch self {
        case .parseError: -32700
        case .invalidRequest: -32600
        case .methodNotFound: -32601
        case .invalidParams: -32602
        case .internalError: -32603
        case .permissionDenied: -32001
        case .notFound: -32002
        case .tooLarge: -32003
        case .overloaded: -32004
        case .credentialUnavailable: -32005
        case .upstreamTimeout: -32006
        case .upstreamError: -32007
        case .rateLimited: -32008
        case .shuttingDown: -32009
        case .invalidConfig: -32010
        }
    }

    /// The kind for a code, for clients reading an error whose data lacks a kind.
    public init?(code: Int) {
        guard let kind = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = kind
    }
}

/// An error reply: what went wrong, in words a caller can act on, and nothing secret.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: RPCErrorKind
    public var message: String
    /// Extra members of `data` besides `kind` (a limit, the method name, an incident id).
    public var details: JSONObject

    public init(_ kind: RPCErrorKind, _ message: String, details: JSONObject = [:]) {
        self.kind = kind
        self.message = message
        self.details = details
    }

    public var code: Int { kind.code }

    /// The `error` member of a response.
    public var json: JSONValue {
        var data: JSONObject = ["kind": .string(kind.rawValue)]
        for member in details where member.key != "kind" { data[member.key] = member.value }
        return ["code": .integer(Int64(kind.code)), "message": .string(message), "data": .object(data)]
    }

    public var description: String { "hookd error \(code) (\(kind.rawValue)): \(message)" }

    /// A bad parameter, from typed access on the params object.
    public static func invalidParams(_ problem: JSONAccessError) -> RPCError {
        let message = switch problem.problem {
        case .missing: "missing parameter '\(problem.key)'"
        case .wrongType(let expected, let found): "parameter '\(problem.key)' must be \(expected), found \(found)"
        case .invalid(let reason): "parameter '\(problem.key)' \(reason)"
        }
        return RPCError(.invalidParams, message, details: ["parameter": .string(problem.key)])
    }
}
