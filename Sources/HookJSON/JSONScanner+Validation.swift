#if canImport(Glibc)
import Glibc
#endif

/// The strict one-pass check behind `JSONScanner.validate`: reads every byte once, builds nothing.
///
/// Duplicate keys are found without a heap allocation for ordinary objects: an object keeps its
/// first keys in stack memory and compares a new key with those. An object with many keys switches
/// to a set, so a hostile line of 100 000 keys costs linear time, not quadratic.
struct ValidatingReader {
    private let bytes: UnsafePointer<UInt8>
    private let count: Int
    private let maximumDepth: Int
    private var position = 0

    /// A key of an object being read: where its contents lie and whether they need decoding to compare.
    private struct Key {
        var span: JSONSpan
        var hasEscapes: Bool
    }

    /// Past this many keys an object finds duplicates through a set instead of comparing pairs.
    private static let linearKeyLimit = 16

    init(bytes: UnsafePointer<UInt8>, count: Int, maximumDepth: Int) {
        self.bytes = bytes
        self.count = count
        self.maximumDepth = maximumDepth
    }

    mutating func readDocument() throws(JSONParseError) {
        skipWhitespace()
        try readValue(depth: 0)
        skipWhitespace()
        guard position == count else { throw failure("end of file expected") }
    }

    // MARK: - Values

    private mutating func readValue(depth: Int) throws(JSONParseError) {
        guard position < count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try readObject(depth: depth)
        case UInt8(ascii: "["): try readArray(depth: depth)
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try readNumber()
        default: throw failure("invalid token")
        }
    }

    private mutating func readObject(depth: Int) throws(JSONParseError) {
        guard depth < maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
        position += 1
        skipWhitespace()
        if position < count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        // The keys of a small object live on the stack; a large one moves them into a set.
        try withUnsafeTemporaryAllocation(of: Key.self, capacity: Self.linearKeyLimit) { (keys) throws(JSONParseError) in
            try readMembers(depth: depth, keys: keys)
        }
    }

    /// Reads an object's members (from its first key to past its `}`), refusing duplicate keys.
    private mutating func readMembers(depth: Int, keys: UnsafeMutableBufferPointer<Key>) throws(JSONParseError) {
        var keyCount = 0
        var largeObjectKeys: Set<[UInt8]>? = nil
        while true {
            guard position < count, bytes[position] == UInt8(ascii: "\"") else { throw failure("string or '}' expected") }
            let keyStart = position + 1
            let hasEscapes = try readString()
            let key = Key(span: JSONSpan(start: keyStart, end: position - 1), hasEscapes: hasEscapes)
            if hasEscapes && decoded(key).contains(0) { throw failure("NUL byte in object key not supported") }
            if largeObjectKeys == nil {
                for index in 0..<keyCount where sameKey(keys[index], key) { throw failure("duplicate object key") }
                if keyCount < keys.count {
                    keys.initializeElement(at: keyCount, to: key)
                    keyCount += 1
                } else {
                    largeObjectKeys = Set(keys[..<keyCount].map(decoded))
                    largeObjectKeys?.insert(decoded(key))
                }
            } else if largeObjectKeys?.insert(decoded(key)).inserted != true {
                throw failure("duplicate object key")
            }
            skipWhitespace()
            guard position < count, bytes[position] == UInt8(ascii: ":") else { throw failure("':' expected") }
            position += 1
            skipWhitespace()
            try readValue(depth: depth + 1)
            if try endOfItem(closing: UInt8(ascii: "}")) { return }
        }
    }

    private mutating func readArray(depth: Int) throws(JSONParseError) {
        guard depth < maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
        position += 1
        skipWhitespace()
        if position < count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try readValue(depth: depth + 1)
            if try endOfItem(closing: UInt8(ascii: "]")) { return }
        }
    }

    /// After a member or an element: a `,` (another follows) or the container's closing bracket.
    /// - Returns: whether the container closed.
    private mutating func endOfItem(closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard position < count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: ","):
            position += 1
            skipWhitespace()
            return false
        case closing:
            position += 1
            return true
        default:
            throw failure("',' or '\(Character(Unicode.Scalar(closing)))' expected")
        }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        guard count - position >= length else { throw failure("invalid token") }
        for offset in 0..<length where bytes[position + offset] != literal.utf8Start[offset] {
            throw failure("invalid token")
        }
        position += length
    }

    // MARK: - Strings

    /// Reads a string from its opening quote to past its closing one.
    /// - Returns: whether it holds an escape.
    private mutating func readString() throws(JSONParseError) -> Bool {
        position += 1
        var hasEscapes = false
        while position < count {
            // Printable ASCII other than '"' and '\\' is most of any string: skip it in a tight
            // loop on a local index before judging the byte that ends the run.
            var index = position
            while index < count, Self.isPlainStringByte(bytes[index]) { index += 1 }
            position = index
            guard position < count else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return hasEscapes
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try readEscape()
            } else if byte < 0x20 {
                throw failure("control character 0x\(String(byte, radix: 16)) in a string")
            } else if byte < 0x80 {
                position += 1
            } else {
                try readMultibyteCharacter()
            }
        }
        throw failure("premature end of input in a string")
    }

    @inline(__always)
    private static func isPlainStringByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    private mutating func readEscape() throws(JSONParseError) {
        position += 1
        guard position < count else { throw failure("premature end of input in a string") }
        switch bytes[position] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
        case UInt8(ascii: "u"):
            position += 1
            let unit = try readHexUnit()
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low one.
                guard count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("invalid Unicode escape: unpaired high surrogate")
                }
                position += 2
                guard (0xDC00...0xDFFF).contains(try readHexUnit()) else { throw failure("invalid Unicode escape: unpaired high surrogate") }
            case 0xDC00...0xDFFF:
                throw failure("invalid Unicode escape: unpaired low surrogate")
            default:
                break
            }
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func readHexUnit() throws(JSONParseError) -> UInt16 {
        guard count - position >= 4 else { throw failure("invalid escape") }
        var value: UInt16 = 0
        for offset in 0..<4 {
            guard let digit = JSONScanner.hexDigit(bytes[position + offset]) else { throw failure("invalid escape") }
            value = value << 4 | UInt16(digit)
        }
        position += 4
        return value
    }

    /// One UTF-8 sequence of two to four bytes: no overlong forms, no surrogates, nothing past U+10FFFF.
    private mutating func readMultibyteCharacter() throws(JSONParseError) {
        let first = bytes[position]
        let length: Int
        var scalar: UInt32
        switch first {
        case 0xC2...0xDF: length = 2; scalar = UInt32(first & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(first & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(first & 0x07)
        default: throw failure("invalid UTF-8")
        }
        guard count - position >= length else { throw failure("invalid UTF-8") }
        for offset in 1..<length {
            let continuation = bytes[position + offset]
            guard continuation & 0xC0 == 0x80 else { throw failure("invalid UTF-8") }
            scalar = scalar << 6 | UInt32(continuation & 0x3F)
        }
        let overlong = (length == 3 && scalar < 0x800) || (length == 4 && scalar < 0x10000)
        guard !overlong, !(0xD800...0xDFFF).contains(scalar), scalar <= 0x10FFFF else { throw failure("invalid UTF-8") }
        position += length
    }

    // MARK: - Numbers

    private mutating func readNumber() throws(JSONParseError) {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        guard position < count, isDigit(bytes[position]) else { throw failure("invalid token") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < count, isDigit(bytes[position]) { throw failure("invalid token: leading zero") }
        } else {
            skipDigits()
        }
        let integerDigits = position - integerStart
        var isReal = false
        var hasExponent = false
        if position < count, bytes[position] == UInt8(ascii: ".") {
            isReal = true
            position += 1
            guard position < count, isDigit(bytes[position]) else { throw failure("invalid token: digit expected after '.'") }
            skipDigits()
        }
        if position < count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isReal = true
            hasExponent = true
            position += 1
            if position < count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < count, isDigit(bytes[position]) else { throw failure("invalid token: digit expected in the exponent") }
            skipDigits()
        }
        if isReal {
            // Without an exponent, fewer than 300 integer digits cannot overflow; otherwise ask strtod.
            guard hasExponent || integerDigits >= 300 else { return }
            guard JSONScanner.parseDouble(UnsafeRawBufferPointer(start: bytes + start, count: position - start)).isFinite else {
                throw failure("real number overflow")
            }
        } else if !JSONScanner.integerFits(UnsafeRawBufferPointer(start: bytes + integerStart, count: integerDigits),
                                           negative: integerStart != start) {
            throw failure(integerStart != start ? "too big negative integer" : "too big integer")
        }
    }

    private mutating func skipDigits() {
        while position < count, isDigit(bytes[position]) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while position < count, JSONScanner.isWhitespace(bytes[position]) { position += 1 }
    }

    private func sameKey(_ first: Key, _ second: Key) -> Bool {
        if !first.hasEscapes && !second.hasEscapes {
            return first.span.count == second.span.count
                && memcmp(bytes + first.span.start, bytes + second.span.start, first.span.count) == 0
        }
        return decoded(first) == decoded(second)
    }

    private func decoded(_ key: Key) -> [UInt8] {
        let contents = UnsafeRawBufferPointer(start: bytes + key.span.start, count: key.span.count)
        return key.hasEscapes ? JSONScanner.decodeString(contents) : Array(contents)
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, position: position)
    }
}

extension JSONScanner {
    /// Whether decimal `digits` (no sign, no leading zero) fit in Int64, with the sign given.
    static func integerFits(_ digits: UnsafeRawBufferPointer, negative: Bool) -> Bool {
        let limit: StaticString = negative ? "9223372036854775808" : "9223372036854775807"
        if digits.count != limit.utf8CodeUnitCount { return digits.count < limit.utf8CodeUnitCount }
        for offset in 0..<digits.count where digits[offset] != limit.utf8Start[offset] {
            return digits[offset] < limit.utf8Start[offset]
        }
        return true
    }

    /// The value of a JSON number's text, correctly rounded by the C library.
    static func parseDouble(_ text: UnsafeRawBufferPointer) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer in
            for offset in 0..<text.count { buffer[offset] = CChar(bitPattern: text[offset]) }
            buffer[text.count] = 0
            guard let start = buffer.baseAddress else { return .nan }  // never: the buffer holds at least the NUL
            return strtod(start, nil)
        }
    }
}
