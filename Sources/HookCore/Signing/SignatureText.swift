/// Hex, base64, header-name and constant-time helpers for the signing code, without Foundation.
///
/// Decoding is strict on purpose: a signature header is machine-made, so anything that is not
/// exactly the encoding (odd hex length, base64 without its padding, a stray `=`) is malformed
/// rather than guessed at.
enum SignatureText {
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")

    /// Lower-case hex, two digits a byte.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of hex text in either case, or nil when it is not an even run of hex digits.
    static func bytes(hex text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    /// One hex digit's value in either case, nil for any other byte.
    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Standard base64 (RFC 4648 §4) with `=` padding.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var text: [UInt8] = []
        text.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let first = UInt32(input[index]) << 16
            let second = remaining > 1 ? UInt32(input[index + 1]) << 8 : 0
            let third = remaining > 2 ? UInt32(input[index + 2]) : 0
            let group = first | second | third
            text.append(base64Alphabet[Int(group >> 18 & 0x3F)])
            text.append(base64Alphabet[Int(group >> 12 & 0x3F)])
            text.append(remaining > 1 ? base64Alphabet[Int(group >> 6 & 0x3F)] : padding)
            text.append(remaining > 2 ? base64Alphabet[Int(group & 0x3F)] : padding)
            index += 3
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of standard, padded base64, or nil when the text is anything else (unpadded,
    /// URL-safe alphabet, whitespace, `=` before the end).
    static func bytes(base64 text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var paddingCount = 0
        if input.last == padding {
            paddingCount = input.count >= 2 && input[input.count - 2] == padding ? 2 : 1
        }
        var result: [UInt8] = []
        result.reserveCapacity(input.count / 4 * 3)
        var group: UInt32 = 0
        for (index, character) in input.enumerated() {
            var value: UInt32 = 0
            if index < input.count - paddingCount {
                guard let sextet = base64Value(character) else { return nil }
                value = sextet
            }
            group = group << 6 | value
            if index % 4 == 3 {
                result.append(UInt8(truncatingIfNeeded: group >> 16))
                result.append(UInt8(truncatingIfNeeded: group >> 8))
                result.append(UInt8(truncatingIfNeeded: group))
                group = 0
            }
        }
        result.removeLast(paddingCount)
        return result
    }

    private static func base64Value(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// Equal bytes, in time that depends only on the lengths (lengths are not secret: every
    /// scheme fixes its digest size).
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// An RFC 9110 token: what a header name may be.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// ASCII case-insensitive equality, for header names.
    static func equalIgnoringCase(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && zip(left.utf8, right.utf8).allSatisfy { lowercased($0) == lowercased($1) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace).
    static func trimmed(_ text: some StringProtocol) -> Substring {
        let whole = Substring(text)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = whole.firstIndex(where: { !isSpace($0) }), let last = whole.lastIndex(where: { !isSpace($0) }) else {
            return whole[whole.endIndex...]
        }
        return whole[first...last]
    }

    /// A unix timestamp as a sender writes it: 1 to 15 ASCII digits, nothing else (no sign, no
    /// fraction, no spaces), so that the text signed and the number checked are the same thing.
    static func unixSeconds(_ text: some StringProtocol) -> Int? {
        guard (1...15).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}
