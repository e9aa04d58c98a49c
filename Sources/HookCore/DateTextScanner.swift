/// Reads a date's text left to right for the hand-written date parsers (``HTTPDate``,
/// ``ISO8601/parse(_:)``); each method consumes only on a match.
struct DateTextScanner {
    /// `hh:mm:ss`, each in range (a leap second 60 allowed).
    struct TimeOfDay {
        var hour: Int64
        var minute: Int64
        var second: Int64

        var seconds: Int64 { hour * 3600 + minute * 60 + second }
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

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
