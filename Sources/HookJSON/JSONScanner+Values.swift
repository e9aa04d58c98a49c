extension JSONScanner {
    /// Builds the value at `span` of a text `validate` has accepted: one tree, built once, only
    /// for the part a caller asks for (a request's `params`, say).
    public static func value(at span: JSONSpan, in text: UnsafeRawBufferPointer) -> JSONValue {
        var position = span.start
        return buildValue(text, &position)
    }

    /// The string at `span` (its quotes included) of a validated text.
    public static func string(at span: JSONSpan, in text: UnsafeRawBufferPointer) -> String {
        let contents = UnsafeRawBufferPointer(rebasing: text[(span.start + 1)..<(span.end - 1)])
        return makeString(contents)
    }

    private static func makeString(_ contents: UnsafeRawBufferPointer) -> String {
        // No backslash: the bytes are the string (already valid UTF-8).
        if !contents.contains(UInt8(ascii: "\\")) { return String(decoding: contents, as: UTF8.self) }
        return String(decoding: decodeString(contents), as: UTF8.self)
    }

    private static func buildValue(_ text: UnsafeRawBufferPointer, _ position: inout Int) -> JSONValue {
        switch text[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [JSONObject.Member] = []
            skipWhitespace(text, &position)
            while text[position] == UInt8(ascii: "\"") {
                let keyStart = position
                skipString(text, &position)
                let key = string(at: JSONSpan(start: keyStart, end: position), in: text)
                skipWhitespace(text, &position)
                position += 1  // ':'
                skipWhitespace(text, &position)
                members.append(JSONObject.Member(key: key, value: buildValue(text, &position)))
                skipWhitespace(text, &position)
                if text[position] == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace(text, &position)
                }
            }
            position += 1  // '}'
            return .object(JSONObject(uncheckedMembers: members))
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace(text, &position)
            while text[position] != UInt8(ascii: "]") {
                elements.append(buildValue(text, &position))
                skipWhitespace(text, &position)
                if text[position] == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace(text, &position)
                }
            }
            position += 1  // ']'
            return .array(elements)
        case UInt8(ascii: "\""):
            let start = position
            skipString(text, &position)
            return .string(string(at: JSONSpan(start: start, end: position), in: text))
        case UInt8(ascii: "t"):
            position += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            position += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            position += 4
            return .null
        default:
            let start = position
            skipValue(text, &position)
            return number(UnsafeRawBufferPointer(rebasing: text[start..<position]))
        }
    }

    /// A validated number: an integer when it has no fraction or exponent (it fits Int64), else a real.
    private static func number(_ text: UnsafeRawBufferPointer) -> JSONValue {
        let negative = text[0] == UInt8(ascii: "-")
        var magnitude: UInt64 = 0
        var index = negative ? 1 : 0
        while index < text.count {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return .double(parseDouble(text)) }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            index += 1
        }
        // Validation has bounded the magnitude to Int64's range (2^63 only when negative).
        return .integer(negative ? Int64(bitPattern: 0 &- magnitude) : Int64(bitPattern: magnitude))
    }
}
