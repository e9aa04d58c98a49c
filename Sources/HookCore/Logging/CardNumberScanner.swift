/// Finds payment card numbers in free text so that a masker can hide them.
///
/// A card number is 13 to 19 digits, written together or in groups separated by one space or
/// dash, that passes the Luhn check. The check keeps ordinary numbers (ids, amounts, timestamps)
/// visible: only about one in ten random digit strings passes it. Digit runs longer than a card
/// are searched group by group, so two cards separated by a space are both found, while a long
/// unbroken number (an id) is left alone.
enum CardNumberScanner {
    /// The shortest and longest card numbers (ISO/IEC 7812).
    static let digitCounts = 13...19

    /// `text` with every card number in it replaced by `mask`.
    static func masking(_ text: String, with mask: String) -> String {
        let bytes = Array(text.utf8)
        let ranges = cardRanges(in: bytes)
        guard !ranges.isEmpty else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var copied = 0
        for range in ranges {
            output.append(contentsOf: bytes[copied..<range.lowerBound])
            output.append(contentsOf: mask.utf8)
            copied = range.upperBound
        }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }

    /// The byte ranges of the card numbers in `bytes`, in order and disjoint.
    static func cardRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else {
                index += 1
                continue
            }
            // One run: digit groups joined by single separators.
            var groups: [Range<Int>] = []
            var groupStart = index
            while index < bytes.count {
                if isDigit(bytes[index]) {
                    index += 1
                } else if isSeparator(bytes[index]), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                    groups.append(groupStart..<index)
                    index += 1
                    groupStart = index
                } else {
                    break
                }
            }
            groups.append(groupStart..<index)
            ranges += cards(in: groups, of: bytes)
        }
        return ranges
    }

    /// The runs of consecutive groups that form a card, taken greedily from the left.
    private static func cards(in groups: [Range<Int>], of bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var first = 0
        while first < groups.count {
            var digits: [UInt8] = []
            var matched: Int?
            for last in first..<groups.count {
                digits += bytes[groups[last]]
                if digits.count > digitCounts.upperBound { break }
                if digitCounts.contains(digits.count) && passesLuhn(digits) {
                    matched = last
                    break
                }
            }
            if let matched {
                found.append(groups[first].lowerBound..<groups[matched].upperBound)
                first = matched + 1
            } else {
                first += 1
            }
        }
        return found
    }

    /// The Luhn (mod 10) check over ASCII digits.
    static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var digit = Int(byte - UInt8(ascii: "0"))
            if position % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isSeparator(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") }
}
