/// UTC timestamps in ISO 8601 (`2026-11-29T04:15:26Z`), without Foundation.
public enum ISO8601 {
    /// Formats seconds since 1970 in UTC, with 0 (default) to 6 digits of the fraction.
    ///
    /// Whole seconds are cut (12:00:00.75 is 12:00:00); with fractional digits the value is rounded
    /// to them, so a time stored as a binary fraction (0.123 is 0.12299…) prints as written.
    public static func format(_ secondsSince1970: Double, fractionalDigits: Int = 0) -> String {
        let digits = min(max(fractionalDigits, 0), 6)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaledValue = secondsSince1970 * Double(scale)
        let scaled = Int64(digits == 0 ? scaledValue.rounded(.down) : scaledValue.rounded())
        let total = scaled >= 0 ? scaled / scale : (scaled - scale + 1) / scale
        let fractionValue = scaled - total * scale
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var fraction = ""
        if digits > 0 {
            let text = String(fractionValue)
            fraction = "." + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondsOfDay / 3600)):\(two(secondsOfDay % 3600 / 60)):\(two(secondsOfDay % 60))\(fraction)Z"
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
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
