import HookJSON

extension ISO8601 {
    /// Seconds since 1970 of an ISO 8601 date-time with a zone: `2026-12-03T10:15:26Z`,
    /// `2026-12-03T10:15:26.250+01:00`, a space for the `T`, any number of fraction digits; nil
    /// for anything else (a date without a time or a zone is ambiguous, so it is refused).
    public static func parse(_ text: String) -> Double? {
        var scanner = DateTextScanner(text)
        guard let year = scanner.number(digits: 4), scanner.literal("-"), let month = scanner.number(digits: 2),
              scanner.literal("-"), let day = scanner.number(digits: 2),
              scanner.literal("T") || scanner.literal("t") || scanner.literal(" "),
              let time = scanner.timeOfDay(),
              (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day)
        else { return nil }
        var fraction = 0.0
        if scanner.literal(".") {
            var scale = 0.1
            var digits = 0
            while let digit = scanner.number(digits: 1) {
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if !(scanner.literal("Z") || scanner.literal("z")) {
            let sign: Int64
            if scanner.literal("+") { sign = 1 } else if scanner.literal("-") { sign = -1 } else { return nil }
            guard let hours = scanner.number(digits: 2), hours <= 23, scanner.literal(":"),
                  let minutes = scanner.number(digits: 2), minutes <= 59 else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.isAtEnd else { return nil }
        return Double(daysSince1970(year: year, month: month, day: day) * 86_400 + time.seconds - offsetSeconds) + fraction
    }

    /// A time given either as seconds since 1970 (a JSON number) or as ISO 8601 text.
    public static func seconds(from value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .double(let number) where number.isFinite: number
        case .string(let text): parse(text)
        default: nil
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil;
    /// ``civilDate(daysSince1970:)`` is its inverse).
    static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days in a month (1 to 12) of a proleptic Gregorian year.
    static func daysInMonth(_ month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
