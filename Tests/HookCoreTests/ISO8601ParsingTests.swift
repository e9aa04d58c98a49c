import HookCore
import HookJSON
import Testing

/// ISO 8601 text to seconds since 1970: what `previous_expires_at` (and later `received_at`) accept.
struct ISO8601ParsingTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-12-03T10:15:26Z", 1_796_292_926.0),
        ("2026-12-03t10:15:26z", 1_796_292_926.0),
        ("2026-12-03 10:15:26Z", 1_796_292_926.0),
        ("2026-12-03T11:15:26+01:00", 1_796_292_926.0),
        ("2026-12-03T05:15:26-05:00", 1_796_292_926.0),
        ("2026-12-03T10:15:26.250Z", 1_796_292_926.25),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("1969-12-31T23:59:59Z", -1.0),
    ])
    func parsesDateTimesWithAZone(text: String, seconds: Double) {
        #expect(ISO8601.parse(text) == seconds, "\(text)")
    }

    @Test(arguments: [
        "", "2026-12-03", "2026-12-03T10:15:26", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-12-03T24:00:00Z",
        "2026-12-03T10:60:00Z", "2026-12-03T10:15:26.Z", "2026-12-03T10:15:26+0100", "2026-12-03T10:15:26Zjunk", "1796292926",
        "２０２６-12-03T10:15:26Z",
    ])
    func refusesAnythingElse(text: String) {
        #expect(ISO8601.parse(text) == nil, "\(text)")
    }

    @Test func roundTripsWithFormat() {
        for seconds in [0.0, 1_796_292_926, -62_167_219_200, 253_402_300_799, 951_782_400] {
            #expect(ISO8601.parse(ISO8601.format(seconds)) == seconds)
        }
    }

    @Test func secondsFromANumberOrText() {
        #expect(ISO8601.seconds(from: .integer(1_796_292_926)) == 1_796_292_926)
        #expect(ISO8601.seconds(from: .double(1.5)) == 1.5)
        #expect(ISO8601.seconds(from: .string("1970-01-01T00:00:01Z")) == 1)
        #expect(ISO8601.seconds(from: .string("soon")) == nil)
        #expect(ISO8601.seconds(from: .bool(true)) == nil)
        #expect(ISO8601.seconds(from: .null) == nil)
    }
}
