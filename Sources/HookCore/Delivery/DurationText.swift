/// Durations as config and webhook definitions write them: a number of seconds (`30`, `1.5`,
/// or a JSON/YAML number), or a number with a unit (`500ms`, `5s`, `5m`, `2h`, `1d`).
///
/// One parser for every duration key (`retry.schedule`, `retry.max_age`, `breaker.window`, …), so
/// they all accept and reject the same texts. Nothing is clamped: a negative, non-finite or
/// too-large value is an error that names the text.
public enum DurationText {
    /// The longest duration accepted, about 292 years: the most an `Int64` count of nanoseconds
    /// (and so Swift's `Duration` and every timer below it) can hold.
    public static let maximumSeconds: Double = 9_223_372_036

    /// Reads `500ms`, `5s`, `5m`, `2h`, `1d` or a bare number of seconds (`30`, `0.5`).
    ///
    /// The number is decimal digits with an optional fraction (`1.5h`); no sign, exponent or
    /// space, and units are lower case.
    /// - Returns: The duration in seconds, from 0 to ``maximumSeconds``.
    /// - Throws: `DurationTextError` with the text and what is wrong with it.
    public static func seconds(from text: String) throws(DurationTextError) -> Double {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw DurationTextError(text: text, problem: .empty) }
        if bytes[0] == UInt8(ascii: "-") { throw DurationTextError(text: text, problem: .negative) }
        var end = 0
        while end < bytes.count, isDigit(bytes[end]) { end += 1 }
        let integerDigits = end
        if end < bytes.count, bytes[end] == UInt8(ascii: ".") {
            end += 1
            let fractionStart = end
            while end < bytes.count, isDigit(bytes[end]) { end += 1 }
            guard end > fractionStart else { throw DurationTextError(text: text, problem: .malformedNumber) }
        }
        guard integerDigits > 0 else { throw DurationTextError(text: text, problem: .malformedNumber) }
        // The digits are well formed, so only a number past Double's range can fail to convert.
        guard let number = Double(String(decoding: bytes[0..<end], as: UTF8.self)) else {
            throw DurationTextError(text: text, problem: .tooLarge)
        }
        let unit = String(decoding: bytes[end...], as: UTF8.self)
        let value: Double
        switch unit {
        case "": value = number
        // Divided rather than multiplied by 0.001, so that `1ms` is the Double nearest 0.001.
        case "ms": value = number / 1000
        case "s": value = number
        case "m": value = number * 60
        case "h": value = number * 3600
        case "d": value = number * 86_400
        default: throw DurationTextError(text: text, problem: .unknownUnit(unit))
        }
        guard value.isFinite, value <= maximumSeconds else { throw DurationTextError(text: text, problem: .tooLarge) }
        return value
    }

    /// Checks a duration given as a number of seconds (a JSON or YAML number).
    /// - Returns: `seconds` itself (`-0` as `0`).
    /// - Throws: `DurationTextError` when it is NaN, infinite, negative or above ``maximumSeconds``.
    public static func seconds(from seconds: Double) throws(DurationTextError) -> Double {
        let text = String(describing: seconds)
        guard !seconds.isNaN else { throw DurationTextError(text: text, problem: .notFinite) }
        guard seconds >= 0 else { throw DurationTextError(text: text, problem: .negative) }
        guard seconds.isFinite else { throw DurationTextError(text: text, problem: .notFinite) }
        guard seconds <= maximumSeconds else { throw DurationTextError(text: text, problem: .tooLarge) }
        return seconds == 0 ? 0 : seconds
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
