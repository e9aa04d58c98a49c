import HookJSON
import HookNumbers

/// UTC timestamps in ISO 8601 (`2026-11-29T04:15:26Z`), without Foundation.
public enum ISO8601 {
    /// The times ISO 8601's four-digit years can show: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    /// A time outside (an upstream's `expires_in: 1e19`, NaN) prints as the nearest end, 0000 for NaN.
    public static let representableSeconds: ClosedRange<Double> = -62_167_219_200 ... 253_402_300_799

    /// Formats seconds since 1970 in UTC, with 0 (default) to 6 digits of the fraction.
    ///
    /// Whole seconds are cut (12:00:00.75 is 12:00:00); with fractional digits the value is rounded
    /// to them, so a time stored as a binary fraction (0.123 is 0.12299…) prints as written.
    public static func format(_ secondsSince1970: Double, fractionalDigits: Int = 0) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        append(secondsSince1970, fractionalDigits: fractionalDigits, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `format`'s text appended to `output` as UTF-8, without building a String (audit lines
    /// carry one timestamp each, on the hot path's writer thread).
    @inlinable
    public static func append<Output: JSONOutput>(_ secondsSince1970: Double, fractionalDigits: Int = 0, to output: inout Output) {
        let digits = min(max(fractionalDigits, 0), 6)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let seconds = secondsSince1970.clamped(to: representableSeconds, ifNaN: representableSeconds.lowerBound)
        let scaled = Int64(clamping: seconds * Double(scale), rounding: digits == 0 ? .down : .toNearestOrAwayFromZero)
        let total = scaled >= 0 ? scaled / scale : (scaled - scale + 1) / scale
        let fractionValue = scaled - total * scale
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        if (0...9999).contains(year) {
            appendDigits(year, count: 4, to: &output)
        } else {
            var text = String(year)
            text.withUTF8 { output.append(contentsOf: UnsafeRawBufferPointer($0)) }
        }
        output.append(UInt8(ascii: "-"))
        appendDigits(month, count: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(day, count: 2, to: &output)
        output.append(UInt8(ascii: "T"))
        appendDigits(secondsOfDay / 3600, count: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(secondsOfDay % 3600 / 60, count: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(secondsOfDay % 60, count: 2, to: &output)
        if digits > 0 {
            output.append(UInt8(ascii: "."))
            appendDigits(fractionValue, count: digits, to: &output)
        }
        output.append(UInt8(ascii: "Z"))
    }

    /// `value` (0 ≤ value < 10^count) as exactly `count` decimal digits, zero-padded.
    @inlinable
    static func appendDigits<Output: JSONOutput>(_ value: Int64, count: Int, to output: inout Output) {
        var divisor: Int64 = 1
        for _ in 1..<max(count, 1) { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    @usableFromInline
    static func civilDate(daysSince1970 days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
