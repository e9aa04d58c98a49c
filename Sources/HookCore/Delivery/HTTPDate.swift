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
        var scanner = Scanner(bytes: bytes)
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
        var scanner = Scanner(bytes: bytes)
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
        var scanner = Scanner(bytes: bytes)
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
    private static func seconds(year: Int64, month: Int64, day: Int64, time: TimeOfDay) -> Double? {
        guard (1...daysInMonth(month, year: year)).contains(day) else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        return Double(days * 86_400 + time.hour * 3600 + time.minute * 60 + time.second)
    }

    private static func daysInMonth(_ month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date (Howard Hinnant's days_from_civil; `ISO8601.civilDate` is
    /// its inverse).
    static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `hh:mm:ss`, each in range.
    private struct TimeOfDay {
        var hour: Int64
        var minute: Int64
        var second: Int64
    }

    /// Reads the grammar's pieces left to right; each method consumes only on a match.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func literal(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard bytes.count - position >= expected.count,
                  bytes[position..<position + expected.count].elementsEqual(expected)
            else { return false }
            position += expected.count
            return true
        }

        /// The index in `names` of the name at the position.
        mutating func name(in names: [String]) -> Int64? {
            for (index, name) in names.enumerated() where literal(name) {
                return Int64(index)
            }
            return nil
        }

        /// Exactly `digits` decimal digits.
        mutating func number(digits: Int) -> Int64? {
            guard bytes.count - position >= digits else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<position + digits] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            position += digits
            return value
        }

        mutating func timeOfDay() -> TimeOfDay? {
            guard let hour = number(digits: 2), hour <= 23, literal(":"),
                  let minute = number(digits: 2), minute <= 59, literal(":"),
                  let second = number(digits: 2), second <= 60
            else { return nil }
            return TimeOfDay(hour: hour, minute: minute, second: second)
        }
    }
}
