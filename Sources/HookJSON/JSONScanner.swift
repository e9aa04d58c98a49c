#if canImport(Glibc)
import Glibc
#endif

/// Reads JSON text straight from its bytes, with no tree in between: strict validation of a
/// whole text, the members of an object already validated, and values built on demand.
///
/// This is the request path's parser. It is exactly as strict as `JSONValue.parse` (jansson with
/// duplicate keys rejected and our nesting limit): invalid UTF-8, unpaired surrogate escapes,
/// control characters in strings, duplicate keys (also when spelled with escapes), integers
/// outside Int64, reals that overflow, NUL in object keys, trailing data and nesting deeper than
/// `maximumDepth` are errors. `JSONScannerDifferentialTests` holds the two to the same answers.
public enum JSONScanner {
    /// Checks that `text` is exactly one JSON value, surrounded by optional whitespace.
    /// - Throws: `JSONParseError` with the reason and the byte offset.
    public static func validate(_ text: UnsafeRawBufferPointer, maximumDepth: Int = JSONValue.maximumNestingDepth) throws(JSONParseError) {
        guard let base = text.baseAddress, !text.isEmpty else {
            throw JSONParseError(reason: "empty input", line: 1, column: 0, position: 0)
        }
        var reader = ValidatingReader(bytes: base.assumingMemoryBound(to: UInt8.self), count: text.count, maximumDepth: maximumDepth)
        try reader.readDocument()
    }

    /// Where the single value of an already validated text lies (the text without its whitespace).
    public static func valueSpan(in text: UnsafeRawBufferPointer) -> JSONSpan {
        var start = 0
        var end = text.count
        while start < end, isWhitespace(text[start]) { start += 1 }
        while end > start, isWhitespace(text[end - 1]) { end -= 1 }
        return JSONSpan(start: start, end: end)
    }

    /// One member of a validated object: its key (still escaped, without quotes) and its value.
    public struct Member {
        public var key: JSONSpan
        public var keyHasEscapes: Bool
        public var value: JSONSpan
    }

    /// Calls `body` for each member of the validated object at `object`, in order.
    public static func forEachMember(of object: JSONSpan, in text: UnsafeRawBufferPointer, _ body: (Member) -> Void) {
        var position = object.start + 1
        skipWhitespace(text, &position)
        while position < object.end, text[position] == UInt8(ascii: "\"") {
            let keyStart = position + 1
            let escaped = skipString(text, &position)
            let key = JSONSpan(start: keyStart, end: position - 1)
            skipWhitespace(text, &position)
            position += 1  // ':'
            skipWhitespace(text, &position)
            let valueStart = position
            skipValue(text, &position)
            body(Member(key: key, keyHasEscapes: escaped, value: JSONSpan(start: valueStart, end: position)))
            skipWhitespace(text, &position)
            if position < object.end, text[position] == UInt8(ascii: ",") {
                position += 1
                skipWhitespace(text, &position)
            }
        }
    }

    /// Calls `body` with the span of each element of the validated array at `array`, in order.
    public static func forEachElement(of array: JSONSpan, in text: UnsafeRawBufferPointer, _ body: (JSONSpan) -> Void) {
        var position = array.start + 1
        skipWhitespace(text, &position)
        while position < array.end, text[position] != UInt8(ascii: "]") {
            let start = position
            skipValue(text, &position)
            body(JSONSpan(start: start, end: position))
            skipWhitespace(text, &position)
            if position < array.end, text[position] == UInt8(ascii: ",") {
                position += 1
                skipWhitespace(text, &position)
            }
        }
    }

    /// Whether the member's key is exactly `name`; an escaped key is decoded first.
    public static func key(_ member: Member, in text: UnsafeRawBufferPointer, equals name: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        if !member.keyHasEscapes {
            guard member.key.count == expected.count, let start = text.baseAddress, let wanted = expected.baseAddress else {
                return member.key.count == 0 && expected.count == 0
            }
            return memcmp(start + member.key.start, wanted, expected.count) == 0
        }
        return decodeString(member.key.bytes(in: text)).elementsEqual(expected)
    }

    /// The UTF-8 bytes of a validated string's contents (between its quotes), escapes resolved.
    public static func decodeString(_ contents: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(contents.count)
        var position = 0
        while position < contents.count {
            // Copy the run up to the next escape in one go: appending byte by byte costs a
            // uniqueness check each, and a body sent as a JSON string is kilobytes of plain bytes.
            var runEnd = position
            while runEnd < contents.count, contents[runEnd] != UInt8(ascii: "\\") { runEnd += 1 }
            if runEnd > position {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: contents[position..<runEnd]))
                position = runEnd
                continue
            }
            let escape = contents[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(hexValue(contents, at: position))
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = UInt32(hexValue(contents, at: position + 2))
                    position += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(scalar, to: &output)
            default: output.append(escape)  // '"', '\\' and '/' stand for themselves
            }
        }
        return output
    }

    // MARK: - Walking validated text (no checks: the validator has made them)

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    static func skipWhitespace(_ text: UnsafeRawBufferPointer, _ position: inout Int) {
        while position < text.count, isWhitespace(text[position]) { position += 1 }
    }

    /// Moves past the string starting at `position` (its opening quote).
    /// - Returns: whether it holds an escape.
    @discardableResult
    static func skipString(_ text: UnsafeRawBufferPointer, _ position: inout Int) -> Bool {
        var escaped = false
        // A local index: the loop runs over every byte of every string skipped.
        var index = position + 1
        while true {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return escaped
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
            } else {
                index += 1
            }
        }
    }

    /// Moves past the value starting at `position`.
    static func skipValue(_ text: UnsafeRawBufferPointer, _ position: inout Int) {
        switch text[position] {
        case UInt8(ascii: "\""):
            skipString(text, &position)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                switch text[position] {
                case UInt8(ascii: "\""): skipString(text, &position); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                position += 1
            } while depth > 0
        default:
            // A number or a literal: up to the next delimiter.
            while position < text.count {
                switch text[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return
                default: position += 1
                }
            }
        }
    }

    static func hexValue(_ text: UnsafeRawBufferPointer, at position: Int) -> UInt16 {
        var value: UInt16 = 0
        for offset in 0..<4 { value = value << 4 | UInt16(hexDigit(text[position + offset]) ?? 0) }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
