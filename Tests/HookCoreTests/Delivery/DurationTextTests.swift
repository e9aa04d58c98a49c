import HookCore
import Testing

extension DeliveryPolicyTests {
    @Suite("DurationText")
    struct DurationTextTests {
        @Test("reads a number of seconds or a number with a unit", arguments: [
            ("500ms", 0.5), ("1ms", 0.001), ("5s", 5.0), ("0.25s", 0.25), ("5m", 300.0), ("2h", 7200.0),
            ("1.5h", 5400.0), ("1d", 86_400.0), ("30", 30.0), ("0", 0.0), ("0ms", 0.0), ("2.5", 2.5),
            ("9223372036", 9_223_372_036.0),
        ])
        func readsDurations(text: String, seconds: Double) throws {
            #expect(try DurationText.seconds(from: text) == seconds)
        }

        @Test("rejects a text with what is wrong with it", arguments: [
            ("", DurationTextError.Problem.empty),
            ("-5s", .negative), ("-0", .negative),
            ("abc", .malformedNumber), ("s", .malformedNumber), (".5s", .malformedNumber), ("5.", .malformedNumber),
            ("5.s", .malformedNumber), ("+5", .malformedNumber), (" 5s", .malformedNumber), ("nan", .malformedNumber),
            ("inf", .malformedNumber),
            ("5x", .unknownUnit("x")), ("5sec", .unknownUnit("sec")), ("5 s", .unknownUnit(" s")),
            ("5S", .unknownUnit("S")), ("5M", .unknownUnit("M")), ("1e3", .unknownUnit("e3")), ("5s ", .unknownUnit("s ")),
            ("1.2.3", .unknownUnit(".3")), ("5us", .unknownUnit("us")),
            ("9223372037", .tooLarge), ("106752d", .tooLarge), (String(repeating: "9", count: 400), .tooLarge),
        ])
        func rejectsTexts(text: String, problem: DurationTextError.Problem) {
            #expect(throws: DurationTextError(text: text, problem: problem)) {
                try DurationText.seconds(from: text)
            }
        }

        @Test("the error names the text and what is accepted")
        func errorDescription() {
            let error = DurationTextError(text: "5x", problem: .unknownUnit("x"))
            #expect(error.description
                == "duration '5x' has the unknown unit 'x'; write a number of seconds (30) or a number with a unit: 500ms, 5s, 5m, 2h, 1d")
        }

        @Test("accepts a JSON or YAML number of seconds from 0 to the maximum", arguments: [0.0, 0.5, 5.0, 36_000.0, 9_223_372_036.0])
        func acceptsNumbers(seconds: Double) throws {
            #expect(try DurationText.seconds(from: seconds) == seconds)
        }

        @Test("reads -0 as +0")
        func negativeZeroIsZero() throws {
            let seconds = try DurationText.seconds(from: -0.0)
            #expect(seconds == 0)
            #expect(seconds.sign == .plus)
        }

        @Test("rejects a negative, non-finite or too large number", arguments: [
            (-1.0, DurationTextError.Problem.negative), (-Double.infinity, .negative), (Double.nan, .notFinite),
            (Double.infinity, .notFinite), (9_223_372_037.0, .tooLarge), (1e300, .tooLarge),
        ])
        func rejectsNumbers(seconds: Double, problem: DurationTextError.Problem) {
            #expect(throws: DurationTextError(text: String(describing: seconds), problem: problem)) {
                try DurationText.seconds(from: seconds)
            }
        }
    }
}
