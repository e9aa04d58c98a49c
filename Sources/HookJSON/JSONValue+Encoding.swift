import HookNumbers

extension JSONValue {
    /// The compact encoding on one line: no raw newline can appear, so it is safe as an NDJSON frame.
    ///
    /// Written directly (no intermediate tree) because it runs for every response on the hot path.
    /// Control characters and U+2028/U+2029 are escaped; non-finite reals, which JSON cannot
    /// express, are written as `null`.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        encode(into: &output)
        return output
    }

    /// The compact encoding as a string.
    public var compactText: String { String(decoding: encoded(), as: UTF8.self) }

    /// Appends the compact encoding to `output`.
    @inlinable
    public func encode<Output: JSONOutput>(into output: inout Output) {
        switch self {
        case .null: output.append("null")
        case .bool(let value): output.append(value ? "true" : "false")
        case .integer(let value): Self.appendInteger(value, to: &output)
        case .double(let value): Self.appendDouble(value, to: &output)
        case .string(let value): Self.appendString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.encode(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.encode(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// An indented, human-readable rendering for command-line output (two spaces per level).
    public func prettyText(indentation: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indentation + 1)
        let closingPad = String(repeating: "  ", count: indentation)
        switch self {
        case .array(let elements) where !elements.isEmpty:
            let lines = elements.map { pad + $0.prettyText(indentation: indentation + 1) }
            return "[\n" + lines.joined(separator: ",\n") + "\n" + closingPad + "]"
        case .object(let object) where !object.isEmpty:
            let lines = object.members.map {
                pad + JSONValue.string($0.key).compactText + ": " + $0.value.prettyText(indentation: indentation + 1)
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + closingPad + "}"
        default:
            return compactText
        }
    }

    @usableFromInline static let hexDigits: StaticString = "0123456789abcdef"

    @inlinable
    static func appendInteger<Output: JSONOutput>(_ value: Int64, to output: inout Output) {
        if value < 0 {
            output.append(UInt8(ascii: "-"))
            // Int64.min has no positive counterpart; its magnitude still fits in UInt64.
            appendDigits(UInt64(bitPattern: 0 &- value), to: &output)
        } else {
            appendDigits(UInt64(value), to: &output)
        }
    }

    /// The decimal digits of `value`, written without building a String.
    @inlinable
    static func appendDigits<Output: JSONOutput>(_ value: UInt64, to output: inout Output) {
        if value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 20 digits at most: 24 bytes of room
        withUnsafeMutableBytes(of: &digits) { room in
            var rest = value
            var index = room.count
            while rest > 0 {
                index -= 1
                room[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: room[index...]))
        }
    }

    @inlinable
    static func appendDouble<Output: JSONOutput>(_ value: Double, to output: inout Output) {
        guard value.isFinite else {
            output.append("null")
            return
        }
        // Fast path for the common case, a value with at most three decimals (durations, ages):
        // when `value` is exactly the Double nearest to k/1000, "k/1000" with trailing zeros cut is
        // the shortest text that reads back as it, which is what `description` prints.
        let thousandths = value * 1000
        if value != 0, abs(value) < 1e9, thousandths == thousandths.rounded(), Double(Int64(clamping: thousandths)) / 1000 == value {
            let scaled = Int64(clamping: thousandths)
            if scaled < 0 { output.append(UInt8(ascii: "-")) }
            let magnitude = UInt64(abs(scaled))
            appendDigits(magnitude / 1000, to: &output)
            output.append(UInt8(ascii: "."))
            var fraction = magnitude % 1000
            if fraction == 0 {
                output.append(UInt8(ascii: "0"))
            } else {
                var width = 3
                while fraction % 10 == 0 { fraction /= 10; width -= 1 }
                var divisor: UInt64 = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    output.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
                    fraction %= divisor
                    divisor /= 10
                }
            }
            return
        }
        // Swift prints the shortest text that reads back as the same Double ("0.1", "1e-07",
        // "1e+20"), all of which are valid JSON numbers.
        var text = value.description
        text.withUTF8 { output.append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    static func appendString<Output: JSONOutput>(_ value: String, to output: inout Output) {
        output.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                // Fast path: most bytes are printable and neither a quote, a backslash nor the
                // lead byte of U+2028/U+2029; only the rest are looked up.
                let byte = bytes[index]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2 {
                    index += 1
                    continue
                }
                guard let (escape, length) = escapeSequence(at: index, in: bytes) else {
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index])))
                escape.withUnsafeBytes { output.append(contentsOf: $0) }
                index += length
                runStart = index
            }
            output.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The escape for the character starting at `index`, and how many bytes it replaces; nil when
    /// the byte is written as it is.
    @usableFromInline
    static func escapeSequence(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> ([UInt8], Int)? {
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""): return (Array(#"\""#.utf8), 1)
        case UInt8(ascii: "\\"): return (Array(#"\\"#.utf8), 1)
        case UInt8(ascii: "\n"): return (Array(#"\n"#.utf8), 1)
        case UInt8(ascii: "\r"): return (Array(#"\r"#.utf8), 1)
        case UInt8(ascii: "\t"): return (Array(#"\t"#.utf8), 1)
        case 0x00..<0x20:
            return (Array(#"\u00"#.utf8) + [hexDigits.utf8Start[Int(byte >> 4)], hexDigits.utf8Start[Int(byte & 0x0F)]], 1)
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80
            && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
            // U+2028 and U+2029 end a line for some readers (JavaScript, some log shippers).
            return (Array((bytes[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8), 3)
        default:
            return nil
        }
    }
}
