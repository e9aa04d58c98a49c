import HookJSON
import Testing

@Suite("JSONValue.parse")
struct JSONParsingTests {
    @Test("every JSON type parses to its case", arguments: [
        ("null", JSONValue.null, "null"),
        ("true", .bool(true), "boolean"),
        ("false", .bool(false), "boolean"),
        ("42", .integer(42), "number"),
        ("-7", .integer(-7), "number"),
        ("2.5", .double(2.5), "number"),
        ("-1.25e3", .double(-1250), "number"),
        (#""text""#, .string("text"), "string"),
        ("[1,\"a\",null]", .array([.integer(1), .string("a"), .null]), "array"),
        (#"{"k":"v"}"#, .object(["k": .string("v")]), "object"),
        ("[]", .array([]), "array"),
        ("{}", .object([:]), "object"),
    ])
    func parsesEveryType(text: String, expected: JSONValue, typeName: String) throws {
        let value = try JSONValue.parse(text)
        #expect(value == expected)
        #expect(value.typeName == typeName)
    }

    @Test("whitespace around the value is allowed")
    func surroundingWhitespace() throws {
        #expect(try JSONValue.parse(" \n\t[ 1 , 2 ]\r\n ") == [1, 2])
    }

    @Test("parsing from bytes and from a string agree")
    func bytesAndString() throws {
        let text = #"{"a":[1,"é"]}"#
        #expect(try JSONValue.parse(Array(text.utf8)) == JSONValue.parse(text))
    }

    @Test("Int64's extremes parse exactly")
    func int64Extremes() throws {
        #expect(try JSONValue.parse("9223372036854775807").integerValue == Int64.max)
        #expect(try JSONValue.parse("-9223372036854775808").integerValue == Int64.min)
    }

    @Test("an escaped NUL inside a string is kept")
    func escapedNul() throws {
        let value = try JSONValue.parse(#""a\u0000b""#)
        #expect(value == .string("a\u{0}b"))
        #expect(value.stringValue?.utf8.count == 3)
        #expect(value.compactText == #""a\u0000b""#)
    }

    @Test("escapes and surrogate pairs decode", arguments: [
        (#""\n\r\t\"\\\/""#, "\n\r\t\"\\/"),
        (#""\u00e9\u2028""#, "é\u{2028}"),
        (#""\ud83d\ude00""#, "😀"),
    ])
    func escapesDecode(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }
}

private func isInteger(_ value: JSONValue) -> Bool {
    if case .integer = value { true } else { false }
}

private func isReal(_ value: JSONValue) -> Bool {
    if case .double = value { true } else { false }
}

@Suite("Integers and reals")
struct JSONNumberTests {
    @Test("an integer literal parses as an integer", arguments: ["1", "-1", "0", "120"])
    func integerLiteral(text: String) throws {
        #expect(isInteger(try JSONValue.parse(text)))
    }

    @Test("a literal with a fraction or an exponent parses as a real", arguments: ["1.0", "-1.0", "0.0", "1e2", "1E-2"])
    func realLiteral(text: String) throws {
        #expect(isReal(try JSONValue.parse(text)))
    }

    @Test("equality is numeric across integers and reals")
    func numericEquality() {
        #expect(JSONValue.integer(1) == .double(1.0))
        #expect(JSONValue.double(1.0) == .integer(1))
        #expect(JSONValue.integer(1) != .double(1.5))
        #expect(JSONValue.integer(2) != .integer(3))
    }

    @Test("numbers never equal other types")
    func numbersAreNotStringsOrBools() {
        #expect(JSONValue.integer(1) != .string("1"))
        #expect(JSONValue.integer(1) != .bool(true))
        #expect(JSONValue.integer(0) != .null)
    }

    @Test("integerValue takes a whole real but not a fraction")
    func integerValue() {
        #expect(JSONValue.double(3.0).integerValue == 3)
        #expect(JSONValue.double(3.5).integerValue == nil)
        #expect(JSONValue.double(1e300).integerValue == nil)
        #expect(JSONValue.string("3").integerValue == nil)
    }

    @Test("integers survive encode and parse exactly", arguments: [Int64.max, Int64.min, 0, -1, 9_007_199_254_740_993])
    func integerRoundTrip(number: Int64) throws {
        guard case .integer(let parsed) = try JSONValue.parse(JSONValue.integer(number).encoded()) else {
            Issue.record("\(number) did not come back as an integer")
            return
        }
        #expect(parsed == number)
    }

    @Test("reals survive encode and parse exactly", arguments: [0.1, -2.5e-300, 1e300, 1e20, 1e-7, 123456.789, -0.0])
    func realRoundTrip(number: Double) throws {
        guard case .double(let parsed) = try JSONValue.parse(JSONValue.double(number).encoded()) else {
            Issue.record("\(number) did not come back as a real")
            return
        }
        #expect(parsed == number)
    }
}

@Suite("Objects")
struct JSONObjectTests {
    @Test("parsed objects keep their members in order")
    func parsedOrder() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.compactText == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test("built objects keep insertion order")
    func builtOrder() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 4
        #expect(object.keys == ["b", "a", "c"])
        #expect(JSONValue.object(object).compactText == #"{"b":4,"a":2,"c":3}"#)
    }

    @Test("setting nil removes a member")
    func removeMember() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = nil
        #expect(object.keys == ["b"])
    }

    @Test("object equality ignores order")
    func equalityIgnoresOrder() {
        let ab: JSONObject = ["a": 1, "b": 2]
        let ba: JSONObject = ["b": 2, "a": 1]
        let onlyA: JSONObject = ["a": 1]
        #expect(ab == ba)
        #expect(onlyA != ab)
    }
}
