import HookJSON
import HookRPC
import Testing

private func wire(_ response: RPCResponse) -> String {
    var output: [UInt8] = []
    response.encode(into: &output)
    return String(decoding: output, as: UTF8.self)
}

@Suite("RPCResponse")
struct RPCResponseTests {
    @Test("a result encodes compactly with jsonrpc, id and result")
    func encodeResult() {
        let response = RPCResponse(id: .integer(1), result: ["value": "hi"])
        #expect(wire(response) == #"{"jsonrpc":"2.0","id":1,"result":{"value":"hi"}}"#)
    }

    @Test("an error encodes with its code, message and data")
    func encodeError() {
        let error = RPCError(.methodNotFound, "method not found: x.y", details: ["method": "x.y"])
        let response = RPCResponse(id: .string("a"), error: error)
        #expect(wire(response) == #"{"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"method not found: x.y","data":{"kind":"method_not_found","method":"x.y"}}}"#)
    }

    @Test("a null id and a null result encode as null")
    func encodeNulls() {
        #expect(wire(RPCResponse(id: .null, result: .null)) == #"{"jsonrpc":"2.0","id":null,"result":null}"#)
    }

    @Test("a fractional id is echoed as a number")
    func encodeFractionalID() {
        #expect(wire(RPCResponse(id: .fractional(1.5), result: true)) == #"{"jsonrpc":"2.0","id":1.5,"result":true}"#)
    }

    @Test("a batch encodes as one array of responses")
    func encodeBatch() {
        var output: [UInt8] = []
        RPCResponse.encodeBatch([
            RPCResponse(id: .integer(1), result: "ok"),
            RPCResponse(id: .null, error: RPCError(.invalidRequest, "invalid request")),
        ], into: &output)
        #expect(String(decoding: output, as: UTF8.self) == #"[{"jsonrpc":"2.0","id":1,"result":"ok"},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request","data":{"kind":"invalid_request"}}}]"#)
    }

    @Test("encoding appends to what is already in the buffer")
    func encodeAppends() {
        var output = Array("x".utf8)
        RPCResponse(id: .integer(2), result: 0).encode(into: &output)
        #expect(String(decoding: output, as: UTF8.self) == #"x{"jsonrpc":"2.0","id":2,"result":0}"#)
    }

    @Test("encode then decode gives the same response", arguments: [
        RPCResponse(id: .integer(1), result: ["value": ["nested": [1, 2.5, "x\n"]]]),
        RPCResponse(id: .string("abc"), result: .null),
        RPCResponse(id: .null, error: RPCError(.parseError, "parse error: end of file expected")),
        RPCResponse(id: .integer(7), error: RPCError(.tooLarge, "too large", details: ["limit": 1_048_576])),
    ])
    func roundTrip(response: RPCResponse) throws {
        var output: [UInt8] = []
        response.encode(into: &output)
        let decoded = try RPCResponse.decode(try JSONValue.parse(output))
        #expect(decoded == response)
    }

    @Test("an error whose data lacks kind gets the kind from its code")
    func decodeErrorWithoutKind() throws {
        let value = try JSONValue.parse(#"{"jsonrpc":"2.0","id":2,"error":{"code":-32002,"message":"no such hook","data":{"hook":"x"}}}"#)
        let decoded = try RPCResponse.decode(value)
        #expect(decoded == RPCResponse(id: .integer(2), error: RPCError(.notFound, "no such hook", details: ["hook": "x"])))
    }

    @Test("an error with no data at all gets the kind from its code")
    func decodeErrorWithoutData() throws {
        let value = try JSONValue.parse(#"{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"method not found: a"}}"#)
        #expect(try RPCResponse.decode(value) == RPCResponse(id: .integer(2), error: RPCError(.methodNotFound, "method not found: a")))
    }

    @Test("an error with an unknown code and no kind decodes as internal_error")
    func decodeUnknownCode() throws {
        let value = try JSONValue.parse(#"{"jsonrpc":"2.0","id":2,"error":{"code":-31000,"message":"odd"}}"#)
        guard case .failure(let error) = try RPCResponse.decode(value).outcome else {
            Issue.record("expected an error outcome")
            return
        }
        #expect(error.kind == .internalError)
    }

    @Test("something that is not a response is refused as invalid_request", arguments: [
        #"{"id":1,"result":1}"#,
        #"{"jsonrpc":"2.0","result":1}"#,
        #"{"jsonrpc":"2.0","id":{},"result":1}"#,
        #"{"jsonrpc":"2.0","id":1}"#,
        #"{"jsonrpc":"2.0","id":1,"error":{"message":"no code"}}"#,
        "[1]",
    ])
    func decodeNotAResponse(text: String) throws {
        let value = try JSONValue.parse(text)
        let error = try #require(throws: RPCError.self) { try RPCResponse.decode(value) }
        #expect(error.kind == .invalidRequest)
    }
}
