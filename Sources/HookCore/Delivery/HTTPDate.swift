import HookNumbers

/// HTTP-dates (RFC 9110 §5.6.7) read by hand, without Foundation: the preferred IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms a recipient must still accept,
/// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
///
/// Names are matched as the grammar spells them (case-sensitive); the weekday must be a weekday
/// name but is not checked against the date, as most recipients do. A date that does not exist
/// (31 April, 25:00) is rejected. Leap second 60 is allowed and reads as the next minute's 0.
enum HTTPDate {
    static let shortDayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let longDayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The date in seconds since 1970 (UTC), or nil when `text` is none of the three forms.
    /// - Parameter now: Resolves RFC 850's two-digit year: the year in the century of `now`, or
    ///   the century before when that would be more than 50 years ahead of `now`.
    static func secondsSince1970(_ text: String, now: Double) -> Double? {
        let bytes = Array(text.utf8)
        return imfFixdate(bytes) ?? rfc850Date(bytes, now: now) ?? asctimeDate(bytes)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    private static func imfFixdate(_ bytes: [UInt8]) -> Double? {
        var scanner = DateTextScanner(bytes: bytes)
        guard scanner.name(in: shortDayNames) != nil, scanner.literal(", "),
              let day = scanner.number(digits: 2), scanner.literal(" "),
              let month = scanner.name(in: monthNames), scanner.literal(" "),
              let year = scanner.number(digits: 4), scanner.literal(" "),
              let time = scanner.timeOfDay(), scanner.literal(" GMT"), scanner.isAtEnd
        else { return nil }
        return seconds(year: year, month: month + 1, day: day, time: time)
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`
    private static func rfc850Date(_ bytes: [UInt8], now: Double) -> Double? {
        var scanner = DateTextScanner(bytes: bytes)
        guard scanner.name(in: longDayNames) != nil, scanner.literal(", "),
              let day = scanner.number(digits: 2), scanner.literal("-"),
              let month = scanner.name(in: monthNames), scanner.literal("-"),
              let twoDigitYear = scanner.number(digits: 2), scanner.literal(" "),
              let time = scanner.timeOfDay(), scanner.literal(" GMT"), scanner.isAtEnd
        else { return nil }
        let today = now.clamped(to: ISO8601.representableSeconds, ifNaN: 0)
        let (currentYear, _, _) = ISO8601.civilDate(daysSince1970: Int64(clamping: today / 86_400, rounding: .down))
        var year = currentYear - currentYear % 100 + twoDigitYear
        if year > currentYear + 50 { year -= 100 }
        return seconds(year: year, month: month + 1, day: day, time: time)
    }

    /// `Sun Nov  6 08:49:37 1994` (a one-digit day is padded with a space).
    private static func asctimeDate(_ bytes: [UInt8]) -> Double? {
        var scanner = DateTextScanner(bytes: bytes)
        guard scanner.name(in: shortDayNames) != nil, scanner.literal(" "),
              let month = scanner.name(in: monthNames), scanner.literal(" ")
        else { return nil }
        let day = scanner.literal(" ") ? scanner.number(digits: 1) : scanner.number(digits: 2)
        guard let day, scanner.literal(" "),
              let time = scanner.timeOfDay(), scanner.literal(" "),
              let year = scanner.number(digits: 4), scanner.isAtEnd
        else { return nil }
        return seconds(year: year, month: month + 1, day: day, time: time)
    }

    /// Seconds since 1970 of a UTC date and time, or nil when the day does not exist.
    private static func seconds(year: Int64, month: Int64, day: Int64, time: DateTextScanner.TimeOfDay) -> Double? {
        guard (1...ISO8601.daysInMonth(month, year: year)).contains(day) else { return nil }
        return Double(ISO8601.daysSince1970(year: year, month: month, day: day) * 86_400 + time.seconds)
    }
}
