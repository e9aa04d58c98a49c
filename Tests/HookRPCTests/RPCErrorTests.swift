import HookJSON
import HookRPC
import Testing

@Suite("RPCErrorKind and RPCError")
struct RPCErrorTests {
    /// The code table of the wire spec, kind by kind.
    static let specTable: [(RPCErrorKind, Int, String)] = [
        (.parseError, -32700, "parse_error"),
        (.invalidRequest, -32600, "invalid_request"),
        (.methodNotFound, -32601, "method_not_found"),
        (.invalidParams, -32602, "invalid_params"),
        (.internalError, -32603, "internal_error"),
        (.permissionDenied, -32001, "permission_denied"),
        (.notFound, -32002, "not_found"),
        (.tooLarge, -32003, "too_large"),
        (.overloaded, -32004, "overloaded"),
        (.credentialUnavailable, -32005, "credential_unavailable"),
        (.upstreamTimeout, -32006, "upstream_timeout"),
        (.upstreamError, -32007, "upstream_error"),
        (.rateLimited, -32008, "rate_limited"),
        (.shuttingDown, -32009, "shutting_down"),
        (.invalidConfig, -32010, "invalid_config"),
    ]

    @Test("each kind has the spec's code and data.kind", arguments: specTable)
    func codeMatchesSpec(kind: RPCErrorKind, code: Int, wireKind: String) {
        #expect(kind.code == code)
        #expect(kind.rawValue == wireKind)
    }

    @Test("the spec table names every kind")
    func tableIsComplete() {
        #expect(Set(Self.specTable.map(\.0.rawValue)) == Set(RPCErrorKind.allCases.map(\.rawValue)))
    }

    @Test("no two kinds share a code")
    func codesAreDistinct() {
        #expect(Set(RPCErrorKind.allCases.map(\.code)).count == RPCErrorKind.allCases.count)
    }

    @Test("init(code:) gives back the kind", arguments: RPCErrorKind.allCases)
    func codeRoundTrip(kind: RPCErrorKind) {
        #expect(RPCErrorKind(code: kind.code) == kind)
    }

    @Test("init(code:) is nil for a code hookd does not use", arguments: [0, -32000, -32011, -32099, 200])
    func unknownCode(code: Int) {
        #expect(RPCErrorKind(code: code) == nil)
    }

    @Test("json carries code, message, data.kind and the details")
    func errorJSON() {
        let error = RPCError(.tooLarge, "request line exceeds the limit of 1048576 bytes", details: ["limit": 1_048_576])
        #expect(error.json == [
            "code": -32003,
            "message": "request line exceeds the limit of 1048576 bytes",
            "data": ["kind": "too_large", "limit": 1_048_576],
        ])
    }

    @Test("json puts data.kind first")
    func kindComesFirst() {
        let error = RPCError(.permissionDenied, "permission denied", details: ["method": "system.echo"])
        #expect(error.json["data"]?.objectValue?.keys == ["kind", "method"])
    }

    @Test("a 'kind' among the details cannot override data.kind")
    func detailsCannotOverrideKind() {
        let error = RPCError(.notFound, "no such hook", details: ["kind": "something_else"])
        #expect(error.json["data"] == ["kind": "not_found"])
    }

    @Test("an error with no details still has data.kind")
    func standardErrorHasKind() {
        let error = RPCError(.internalError, "internal error")
        #expect(error.json["data"] == ["kind": "internal_error"])
    }

    @Test("invalidParams names the missing parameter")
    func invalidParamsMissing() {
        let error = RPCError.invalidParams(JSONAccessError(key: "value", problem: .missing))
        #expect(error.kind == .invalidParams)
        #expect(error.message == "missing parameter 'value'")
        #expect(error.details == ["parameter": "value"])
    }

    @Test("invalidParams names a parameter of the wrong type and both types")
    func invalidParamsWrongType() {
        let problem = JSONAccessError(key: "ttl", problem: .wrongType(expected: "an integer", found: "string"))
        let error = RPCError.invalidParams(problem)
        #expect(error.message == "parameter 'ttl' must be an integer, found string")
        #expect(error.json["data"] == ["kind": "invalid_params", "parameter": "ttl"])
    }

    @Test("invalidParams names a parameter out of range")
    func invalidParamsInvalid() {
        let error = RPCError.invalidParams(JSONAccessError(key: "limit", problem: .invalid(reason: "must be positive")))
        #expect(error.message == "parameter 'limit' must be positive")
    }

    @Test("description shows code, kind and message")
    func description() {
        let error = RPCError(.methodNotFound, "method not found: a.b")
        #expect(error.description == "hookd error -32601 (method_not_found): method not found: a.b")
    }
}
