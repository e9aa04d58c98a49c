import HookJSON
import HookRPC
import Testing

/// Decodes one wire line as the daemon would.
private func decode(_ line: String) -> RPCIncoming {
    Array(line.utf8).withUnsafeBytes { RPCIncoming.decode(line: $0) }
}

/// The envelope of a single well-formed call, or nil.
private func request(_ line: String) -> RPCEnvelope? {
    guard case .single(.request(let request)) = decode(line) else { return nil }
    return request
}

/// The params of a single well-formed call, read from its line as the dispatcher does.
private func params(_ line: String) throws(RPCError) -> JSONObject {
    guard let envelope = request(line) else { return [:] }
    let result = Array(line.utf8).withUnsafeBytes { bytes in
        Result { () throws(RPCError) -> JSONObject in try envelope.params(in: bytes) }
    }
    return try result.get()
}

/// The text of the params member as it stands in the line.
private func paramsText(_ line: String) -> String? {
    guard let span = request(line)?.params else { return nil }
    return String(decoding: Array(line.utf8)[span.start..<span.end], as: UTF8.self)
}

/// The id and error owed for a single unusable call, or nil.
private func invalid(_ line: String) -> (id: RPCID, error: RPCError)? {
    guard case .single(.invalid(let id, let error)) = decode(line) else { return nil }
    return (id, error)
}

@Suite("RPCIncoming.decode: requests and notifications")
struct RPCIncomingRequestTests {
    @Test("a request's id is read as its JSON type", arguments: [
        (#""abc""#, RPCID.string("abc")),
        ("7", RPCID.integer(7)),
        ("-12", RPCID.integer(-12)),
        ("1.5", RPCID.fractional(1.5)),
        ("null", RPCID.null),
    ])
    func requestID(idText: String, expected: RPCID) throws {
        let line = #"{"jsonrpc":"2.0","method":"system.echo","params":{"value":1},"id":\#(idText)}"#
        let decoded = try #require(request(line))
        #expect(decoded.id == expected)
        #expect(!decoded.isNotification)
        #expect(decoded.method == "system.echo")
        #expect(try params(line) == ["value": 1])
    }

    @Test("a call without an id is a notification")
    func notification() throws {
        let decoded = try #require(request(#"{"jsonrpc":"2.0","method":"system.echo","params":{"value":1}}"#))
        #expect(decoded.id == nil)
        #expect(decoded.isNotification)
    }

    @Test("absent params read as an empty object")
    func absentParams() throws {
        let line = #"{"jsonrpc":"2.0","method":"system.version","id":1}"#
        let decoded = try #require(request(line))
        #expect(decoded.params == nil)
        #expect(try params(line) == [:])
    }

    @Test("array params decode, but params() refuses them with -32602")
    func positionalParams() throws {
        let line = #"{"jsonrpc":"2.0","method":"system.echo","params":[1, 2],"id":1}"#
        #expect(paramsText(line) == "[1, 2]")
        let error = try #require(throws: RPCError.self) { try params(line) }
        #expect(error.kind == .invalidParams)
        #expect(error.code == -32602)
        #expect(error.message.contains("params must be an object"))
    }

    @Test("a request as a client encodes it decodes back to the same request", arguments: [
        RPCRequest(id: .integer(1), method: "system.echo", params: ["value": ["a", 1]]),
        RPCRequest(id: .string("x"), method: "system.version"),
        RPCRequest(id: nil, method: "system.health", params: [:]),
    ])
    func clientEncodingRoundTrip(sent: RPCRequest) throws {
        let line = String(decoding: sent.encoded(), as: UTF8.self)
        let decoded = try #require(request(line))
        #expect(decoded.id == sent.id)
        #expect(decoded.method == sent.method)
        #expect(try params(line) == (try sent.params()))
    }

    @Test("members may come in any order, with whitespace, and keys may be escaped")
    func memberOrderAndEscapes() throws {
        let line = #" { "params" : { "value" : [ 1 , "a" ] } , "id" : "x" , "m\u0065thod" : "system.echo" , "jsonrpc" : "2.0" } "#
        let decoded = try #require(request(line))
        #expect(decoded == RPCEnvelope(id: .string("x"), method: "system.echo", params: decoded.params))
        #expect(try params(line) == ["value": [1, "a"]])
    }

    @Test("a jsonrpc member spelled with an escape is still \"2.0\"")
    func escapedVersion() throws {
        let decoded = try #require(request(#"{"jsonrpc":"2\u002e0","method":"system.version","id":1}"#))
        #expect(decoded.method == "system.version")
    }

    @Test("an id keeps its JSON type exactly, also for large and negative numbers and escaped strings", arguments: [
        ("9223372036854775807", RPCID.integer(.max)),
        ("-9223372036854775808", RPCID.integer(.min)),
        ("1e2", RPCID.fractional(100)),
        (#""a\"b""#, RPCID.string("a\"b")),
        (#""\u00e9""#, RPCID.string("é")),
    ])
    func idTypes(idText: String, expected: RPCID) throws {
        let decoded = try #require(request(#"{"jsonrpc":"2.0","method":"m","id":\#(idText)}"#))
        #expect(decoded.id == expected)
    }

    @Test("a blank line is empty, with no reply owed", arguments: ["", " ", "\t \r", "   "])
    func blankLine(line: String) {
        #expect(decode(line) == .empty)
    }
}

@Suite("RPCIncoming.decode: invalid input")
struct RPCIncomingInvalidTests {
    @Test("an unparsable line is -32700 with id null and says parse error",
          arguments: [#"{"jsonrpc":"2.0","method""#, "not json", #"{"a":1}x"#, #"{"a":1,"a":2}"#])
    func unparsable(line: String) throws {
        let (id, error) = try #require(invalid(line))
        #expect(id == .null)
        #expect(error.kind == .parseError)
        #expect(error.code == -32700)
        #expect(error.message.contains("parse error"))
    }

    @Test("the strictness holds anywhere in the line: bad bytes in params are -32700 with id null", arguments: [
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":""#.utf8) + [0xFF] + Array(#""},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":""#.utf8) + [0xC3, 0x28] + Array(#""},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":""#.utf8) + [0xC0, 0xAF] + Array(#""},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":"\ud800"},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":{"a":1,"\u0061":2}},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":9223372036854775808},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":-9223372036854775809},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":1e400},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":01},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"\u0000":1},"id":1}"#.utf8),
        Array(#"{"jsonrpc":"2.0","method":"m","params":{"v":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 600)
            + Array(repeating: UInt8(ascii: "]"), count: 600) + Array(#"},"id":1}"#.utf8),
    ])
    func strictEverywhere(line: [UInt8]) throws {
        guard case .single(.invalid(let id, let error)) = line.withUnsafeBytes({ RPCIncoming.decode(line: $0) }) else {
            Issue.record("accepted: \(String(decoding: line, as: UTF8.self))")
            return
        }
        #expect(id == .null)
        #expect(error.code == -32700)
    }

    @Test("an empty batch is one -32600 with id null, not a batch")
    func emptyBatch() throws {
        let (id, error) = try #require(invalid("[]"))
        #expect(id == .null)
        #expect(error.code == -32600)
        #expect(error.kind == .invalidRequest)
    }

    @Test("a batch keeps its elements in order, each valid or invalid")
    func mixedBatch() throws {
        let line = #"[{"jsonrpc":"2.0","method":"system.echo","id":1},1,{"jsonrpc":"2.0","method":"system.health"},{"method":"x","id":"q"}]"#
        guard case .batch(let calls) = decode(line) else {
            Issue.record("expected a batch, got \(decode(line))")
            return
        }
        try #require(calls.count == 4)
        #expect(calls[0] == .request(RPCEnvelope(id: .integer(1), method: "system.echo")))
        guard case .invalid(let numberID, let numberError) = calls[1] else {
            Issue.record("element 1 should be invalid")
            return
        }
        #expect(numberID == .null)
        #expect(numberError.code == -32600)
        #expect(calls[2] == .request(RPCEnvelope(id: nil, method: "system.health")))
        guard case .invalid(let missingVersionID, let missingVersionError) = calls[3] else {
            Issue.record("element 3 should be invalid")
            return
        }
        #expect(missingVersionID == .string("q"))
        #expect(missingVersionError.code == -32600)
    }

    @Test("a non-object call is -32600 with id null", arguments: ["1", #""hello""#, "null", "true"])
    func nonObject(line: String) throws {
        let (id, error) = try #require(invalid(line))
        #expect(id == .null)
        #expect(error.code == -32600)
    }

    @Test("an id of the wrong type is -32600 with id null", arguments: [#"{"n":1}"#, "[1]", "true"])
    func idOfWrongType(idText: String) throws {
        let (id, error) = try #require(invalid(#"{"jsonrpc":"2.0","method":"system.echo","id":\#(idText)}"#))
        #expect(id == .null)
        #expect(error.code == -32600)
        #expect(error.message.contains("'id'"))
    }

    @Test("a missing or incorrect jsonrpc member is -32600 carrying the id",
          arguments: [#""method":"system.echo""#, #""jsonrpc":"1.0","method":"system.echo""#,
                      #""jsonrpc":2.0,"method":"system.echo""#, #""jsonrpc":null,"method":"system.echo""#,
                      #""jsonrpc":"2.00","method":"system.echo""#, #""jsonrpc":"2.","method":"system.echo""#])
    func badVersion(members: String) throws {
        let (id, error) = try #require(invalid(#"{\#(members),"id":9}"#))
        #expect(id == .integer(9))
        #expect(error.code == -32600)
        #expect(error.message.contains("jsonrpc"))
    }

    @Test("a method that is not a string is -32600 carrying the id",
          arguments: [#""method":42,"#, #""method":null,"#, #""method":["a"],"#, ""])
    func methodNotAString(member: String) throws {
        let (id, error) = try #require(invalid(#"{"jsonrpc":"2.0",\#(member)"id":"m"}"#))
        #expect(id == .string("m"))
        #expect(error.code == -32600)
        #expect(error.message.contains("'method'"))
    }

    @Test("scalar params are -32600 carrying the id", arguments: ["5", #""x""#, "true", "null"])
    func scalarParams(paramsText: String) throws {
        let (id, error) = try #require(invalid(#"{"jsonrpc":"2.0","method":"system.echo","params":\#(paramsText),"id":3}"#))
        #expect(id == .integer(3))
        #expect(error.code == -32600)
        #expect(error.message.contains("'params'"))
    }
}
