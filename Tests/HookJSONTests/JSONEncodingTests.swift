import HookJSON
import Testing

@Suite("Compact encoding")
struct JSONEncodingTests {
    static let exactEncodings: [(JSONValue, String)] = [
        (JSONValue.object(["a": [1, 2.5, "x\n"], "b": .null]), #"{"a":[1,2.5,"x\n"],"b":null}"#),
        (.null, "null"),
        (true, "true"),
        (false, "false"),
        (0, "0"),
        (7, "7"),
        (10, "10"),
        (-7, "-7"),
        (.integer(Int64.min), "-9223372036854775808"),
        (0.1, "0.1"),
        (-0.5, "-0.5"),
        (1.0, "1.0"),
        (1e20, "1e+20"),
        ([], "[]"),
        ([:], "{}"),
        ([[], [:], [[1]]], "[[],{},[[1]]]"),
        (#"quote " backslash \ slash /"#, #""quote \" backslash \\ slash /""#),
        ("\t\r\n", #""\t\r\n""#),
        ("\u{0}\u{1}\u{8}\u{C}\u{1B}\u{1F}", #""\u0000\u0001\u0008\u000c\u001b\u001f""#),
        ("\u{7F} ", "\"\u{7F} \""),
        ("\u{2028}x\u{2029}", #""\u2028x\u2029""#),
        ("é 日本 👍🏽", "\"é 日本 👍🏽\""),
        ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""),
        (["\n": "\u{2028}"], #"{"\n":"\u2028"}"#),
    ]

    @Test("values encode to exact compact text", arguments: exactEncodings)
    func exactEncoding(value: JSONValue, expected: String) {
        #expect(value.compactText == expected)
        #expect(value.encoded() == Array(expected.utf8))
    }

    @Test("non-finite reals encode as null", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(number: Double) {
        #expect(JSONValue.double(number).compactText == "null")
        #expect(JSONValue.array([1, .double(number)]).compactText == "[1,null]")
    }

    @Test("encode(into:) appends to the buffer")
    func encodeAppends() {
        var output = Array("> ".utf8)
        JSONValue.array([1, "a"]).encode(into: &output)
        #expect(String(decoding: output, as: UTF8.self) == #"> [1,"a"]"#)
    }
}

@Suite("Number encoding")
struct NumberEncodingTests {
    static let integers: [Int64] = [0, 7, 10, -1, -10, 1_234_567, Int64.max, Int64.min, -9_223_372_036_854_775_807]

    @Test("integers print as Swift prints them", arguments: integers)
    func integerText(value: Int64) {
        #expect(JSONValue.integer(value).compactText == String(value))
    }

    static let reals: [Double] = [
        0.001, 0.005, 0.05, 0.1, 0.12, 0.123, 1, 300, 12.345, 12.3, -0.25, -7, 999_999_999.999,
        1e9, 1e-7, 0.0001, 0.1 + 0.2, 1.0005, 123_456.789, -0.0, Double.leastNonzeroMagnitude, 1.7976931348623157e308,
    ]

    @Test("reals print as the shortest text that reads back, exactly like description", arguments: reals)
    func realText(value: Double) {
        #expect(JSONValue.double(value).compactText == value.description)
    }

    @Test("every millisecond value up to a minute prints like description")
    func millisecondsMatchDescription() {
        for milliseconds in stride(from: -2_000, through: 60_000, by: 1) {
            let value = Double(milliseconds) / 1000
            #expect(JSONValue.double(value).compactText == value.description, "\(milliseconds) ms")
        }
    }
}

@Suite("Encode then parse")
struct JSONRoundTripTests {
    static let strings: [String] = [
        "",
        "plain ascii",
        "héllo wörld, 日本語, Ελληνικά",
        "emoji 😀 👍🏽 👨‍👩‍👧 🇫🇷",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "nul\u{0}inside",
        "\u{0}",
        "controls \u{1}\u{2}\u{7}\u{8}\u{B}\u{C}\u{1B}\u{1F}\u{7F}",
        "separators \u{2028} and \u{2029}",
        "\u{2028}",
        #"quotes " and 'single' and backslashes \ \\ \n"#,
        "\u{FFFD} \u{FEFF} \u{10FFFF}",
        "ends with a separator \u{2029}",
        "neighbours of the separators \u{2027}\u{202A}",
    ]

    static let rich: JSONValue = [
        "id": 9_223_372_036_854_775_807,
        "min": .integer(Int64.min),
        "real": 0.1,
        "tiny": .double(Double.leastNonzeroMagnitude),
        "flags": [true, false, .null],
        "empty": ["array": [], "object": [:]],
        "strings": .array(strings.map(JSONValue.string)),
        "nested": ["a": ["b": ["c": [["d": "\n\r\t\u{0}\u{2028}\u{2029}\"\\"]]]]],
        "ключ 🔑\n": "key with specials",
        "": "empty key",
    ]

    @Test("each string survives encode and parse, and its encoding is one line", arguments: strings)
    func stringRoundTrip(text: String) throws {
        let bytes = JSONValue.string(text).encoded()
        #expect(!bytes.contains(0x0A))
        #expect(!bytes.contains(0x0D))
        #expect(try JSONValue.parse(bytes) == .string(text))
    }

    @Test("a rich value survives encode and parse")
    func richRoundTrip() throws {
        let parsed = try JSONValue.parse(Self.rich.encoded())
        #expect(parsed == Self.rich)
        #expect(parsed.compactText == Self.rich.compactText)
    }

    @Test("the encoding of a rich value has no raw line breaks")
    func richEncodingIsOneLine() {
        let bytes = Self.rich.encoded()
        #expect(!bytes.contains(0x0A))
        #expect(!bytes.contains(0x0D))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.unicodeScalars.contains("\u{2028}"))
        #expect(!text.unicodeScalars.contains("\u{2029}"))
    }
}

@Suite("prettyText")
struct JSONPrettyTextTests {
    @Test("a small object is indented two spaces per level")
    func smallObject() {
        let value: JSONValue = ["name": "hookd", "ports": [1, 2], "empty": [:], "none": []]
        #expect(value.prettyText() == """
            {
              "name": "hookd",
              "ports": [
                1,
                2
              ],
              "empty": {},
              "none": []
            }
            """)
    }

    static let scalarRenderings: [(JSONValue, String)] = [(.string("a\nb"), #""a\nb""#), (.null, "null"), (2.5, "2.5")]

    @Test("scalars print compactly", arguments: scalarRenderings)
    func scalars(value: JSONValue, expected: String) {
        #expect(value.prettyText() == expected)
    }
}
