import HookJSON
import Testing

/// The error parsing `bytes` throws, recorded as a failure when it parses.
private func parseError(_ bytes: [UInt8]) throws -> JSONParseError {
    try #require(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
}

private func parseError(_ text: String) throws -> JSONParseError {
    try parseError(Array(text.utf8))
}

/// Arrays nested `depth` levels deep: `[[...]]`.
private func nested(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
}

/// Objects nested `depth` levels deep: `{"a":{"a":...{}}}`.
private func nestedObjects(_ depth: Int) -> String {
    String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
}

@Suite("JSONValue.parse errors")
struct JSONParseErrorTests {
    @Test("invalid UTF-8 is refused, naming the byte")
    func invalidUTF8() throws {
        let error = try parseError([0x22, 0xC3, 0x28, 0x22])
        #expect(error.reason.contains("unable to decode byte 0xc3"))
    }

    @Test("an encoded surrogate half is invalid UTF-8")
    func surrogateBytes() throws {
        let error = try parseError([0x22, 0xED, 0xA0, 0x80, 0x22])
        #expect(error.reason.contains("unable to decode byte"))
    }

    @Test("duplicate keys are refused")
    func duplicateKeys() throws {
        let error = try parseError(#"{"a":1,"a":2}"#)
        #expect(error.reason.contains("duplicate object key"))
        #expect(error.position == 10)
    }

    @Test("512 levels of nesting parse")
    func nestingAtLimit() throws {
        #expect(JSONValue.maximumNestingDepth == 512)
        var value = try JSONValue.parse(nested(512))
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == 511)
    }

    @Test("512 levels of objects parse")
    func objectNestingAtLimit() throws {
        #expect(throws: Never.self) { try JSONValue.parse(nestedObjects(512)) }
    }

    @Test("513 levels of arrays are refused by our limit")
    func arrayNestingBeyondLimit() throws {
        let error = try parseError(nested(513))
        #expect(error.reason == "nesting deeper than 512 levels")
    }

    @Test("513 levels of objects are refused by our limit")
    func objectNestingBeyondLimit() throws {
        let error = try parseError(nestedObjects(513))
        #expect(error.reason == "nesting deeper than 512 levels")
    }

    @Test("5000 levels of nesting are an error, not a crash")
    func nestingBeyondJansson() throws {
        let error = try parseError(nested(5000))
        #expect(error.reason.contains("maximum parsing depth"))
    }

    @Test("an integer beyond Int64 is refused")
    func integerTooBig() throws {
        let error = try parseError("99999999999999999999")
        #expect(error.reason.contains("too big integer"))
    }

    @Test("a real that overflows is refused")
    func realOverflow() throws {
        let error = try parseError("1e400")
        #expect(error.reason.contains("real number overflow"))
    }

    @Test("trailing garbage is refused", arguments: [#"{"a":1} x"#, "[1]]", "1 2", "null,"])
    func trailingGarbage(text: String) throws {
        let error = try parseError(text)
        #expect(error.reason.contains("end of file expected"))
    }

    @Test("empty input is refused")
    func emptyInput() throws {
        let error = try parseError("")
        #expect(error.reason == "empty input")
        #expect(error.position == 0)
    }

    @Test("whitespace alone is refused")
    func whitespaceOnly() throws {
        _ = try parseError("  \n")
    }

    @Test("a NUL byte in an object key is refused")
    func nulInKey() throws {
        let error = try parseError(#"{"a\u0000":1}"#)
        #expect(error.reason.contains("NUL byte in object key"))
    }

    @Test("syntax errors are refused", arguments: ["[1,]", "{'a':1}", "tru", "\"open", "01", "NaN", "{\"a\" 1}"])
    func syntaxErrors(text: String) throws {
        _ = try parseError(text)
    }

    @Test("the description gives the reason and the byte position")
    func description() throws {
        let error = try parseError("[1,]")
        #expect(error.line == 1)
        #expect(error.position == 4)
        #expect(error.description == "\(error.reason) (at byte 4)")
        #expect(JSONParseError(reason: "nesting deeper than 512 levels").description == "nesting deeper than 512 levels")
    }
}
