import HookCore
import Testing

@Suite("ISO8601")
struct ISO8601Tests {
    @Test(
        "whole seconds format as UTC timestamps",
        arguments: [
            (0.0, "1970-01-01T00:00:00Z"),
            (59.0, "1970-01-01T00:00:59Z"),
            (86_399.0, "1970-01-01T23:59:59Z"),
            (86_400.0, "1970-01-02T00:00:00Z"),
            (951_782_400.0, "2000-02-29T00:00:00Z"),
            (1_709_164_800.0, "2024-02-29T00:00:00Z"),
            (1_709_251_199.0, "2024-02-29T23:59:59Z"),
            (1_709_251_200.0, "2024-03-01T00:00:00Z"),
            (1_735_689_599.0, "2024-12-31T23:59:59Z"),
            (1_798_517_726.0, "2026-12-29T04:15:26Z"),
            (4_107_542_400.0, "2100-03-01T00:00:00Z"),
        ])
    func wholeSeconds(seconds: Double, expected: String) {
        #expect(ISO8601.format(seconds) == expected)
    }

    @Test("times before 1970 count back from the epoch", arguments: [(-1.0, "1969-12-31T23:59:59Z"), (-86_400.0, "1969-12-31T00:00:00Z")])
    func beforeEpoch(seconds: Double, expected: String) {
        #expect(ISO8601.format(seconds) == expected)
    }

    @Test("fractions are dropped unless digits are asked for")
    func fractionDroppedByDefault() {
        #expect(ISO8601.format(1_709_164_800.75) == "2024-02-29T00:00:00Z")
    }

    @Test(
        "fractional digits are written, zero-padded, and rounded",
        arguments: [
            (0.5, 1, "1970-01-01T00:00:00.5Z"),
            (0.25, 3, "1970-01-01T00:00:00.250Z"),
            (0.03125, 2, "1970-01-01T00:00:00.03Z"),
            (0.0, 3, "1970-01-01T00:00:00.000Z"),
            (1_709_164_800.5, 6, "2024-02-29T00:00:00.500000Z"),
            (0.999_999_9, 3, "1970-01-01T00:00:01.000Z"),
            (1_709_164_800.123, 3, "2024-02-29T00:00:00.123Z"),
        ])
    func fractionalDigits(seconds: Double, digits: Int, expected: String) {
        #expect(ISO8601.format(seconds, fractionalDigits: digits) == expected)
    }

    @Test("more than six fractional digits are capped at six")
    func fractionCappedAtSix() {
        #expect(ISO8601.format(0.5, fractionalDigits: 9) == "1970-01-01T00:00:00.500000Z")
    }
}
