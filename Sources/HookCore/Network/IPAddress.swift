/// An IPv4 or IPv6 address as the bytes on the wire (4 or 16, network order).
///
/// Text is read the way the system resolver reads a numeric host, so that what hookd decides
/// about `0x7f.1` or `[::ffff:10.0.0.1]` is what a connection to it would reach: IPv4 in
/// `inet_aton` forms (1 to 4 parts, each decimal, octal with a leading 0, or hex with 0x; the
/// last part fills the remaining bytes), IPv6 in RFC 4291 forms (with `::`, a trailing dotted
/// IPv4, optional brackets and a `%zone`, which is dropped).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// The address with these bytes; nil unless there are exactly 4 or 16.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Reads a numeric address; nil for anything else (host names included).
    public init?(parsing text: String) {
        var body = Substring(text)
        if body.hasPrefix("[") && body.hasSuffix("]") { body = body.dropFirst().dropLast() }
        if let parsed = Self.parseIPv4(body) {
            bytes = parsed
        } else if let parsed = Self.parseIPv6(body) {
            bytes = parsed
        } else {
            return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for: a socket
    /// connected to it reaches that IPv4 host, so it is judged as that host.
    public var mappedIPv4: IPAddress? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return nil }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    /// Dotted decimal for IPv4; RFC 5952 text for IPv6 (lower case, the longest run of two or
    /// more zero groups as `::`, a mapped IPv4 as `::ffff:a.b.c.d`).
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        if let mapped = mappedIPv4 { return "::ffff:\(mapped)" }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        var longest: Range<Int>? = nil
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start >= 2 && index - start > (longest?.count ?? 0) { longest = start..<index }
        }
        func hex(_ range: Range<Int>) -> String { groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        guard let longest else { return hex(0..<8) }
        return hex(0..<longest.lowerBound) + "::" + hex(longest.upperBound..<8)
    }

    // MARK: - Parsing

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt32] = []
        for part in parts {
            guard let value = inetNumber(part) else { return nil }
            values.append(value)
        }
        // Every part but the last is one byte; the last fills the bytes that are left.
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 0xff }), let last = values.last else { return nil }
        let lastBytes = 4 - leading.count
        guard lastBytes == 4 || last < (UInt32(1) << (8 * UInt32(lastBytes))) else { return nil }
        var address = leading.map(UInt8.init)
        for shift in stride(from: 8 * (lastBytes - 1), through: 0, by: -8) {
            address.append(UInt8(truncatingIfNeeded: last >> UInt32(shift)))
        }
        return address
    }

    /// One `inet_aton` part: decimal, octal after a leading 0, or hex after 0x; at most 32 bits.
    private static func inetNumber(_ part: Substring) -> UInt32? {
        var digits = part
        var radix: UInt32 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1 && digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for character in digits {
            guard character.isASCII, let digit = character.hexDigitValue.map(UInt32.init), digit < radix else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(digit)
            guard !overflowShift && !overflowAdd else { return nil }
            value = sum
        }
        return value
    }

    private static func parseIPv6(_ text: Substring) -> [UInt8]? {
        var body = text
        if let zone = body.firstIndex(of: "%") {
            guard body.index(after: zone) != body.endIndex else { return nil }
            body = body[..<zone]
        }
        guard body.contains(":") else { return nil }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = groups(Substring(halves[0]), last: halves.count == 1) else { return nil }
        let tail: [UInt8]
        if halves.count == 2 {
            guard let parsed = groups(Substring(halves[1]), last: true) else { return nil }
            tail = parsed
            // "::" stands for at least one zero group.
            guard head.count + tail.count <= 14 else { return nil }
        } else {
            tail = []
            guard head.count == 16 else { return nil }
        }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// Colon-separated hex groups (an empty string is none); the last may be a dotted IPv4
    /// when `last` says this run ends the address.
    private static func groups(_ text: Substring, last: Bool) -> [UInt8]? {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if last && index == parts.count - 1 && part.contains(".") {
                guard let dotted = strictDottedQuad(part) else { return nil }
                bytes += dotted
                continue
            }
            guard (1...4).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let value = UInt16(part, radix: 16) else { return nil }
            bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
        }
        return bytes.count <= 16 ? bytes : nil
    }

    /// The dotted IPv4 inside IPv6 text: exactly four decimal parts (RFC 4291 §2.2).
    private static func strictDottedQuad(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isWholeNumber }), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
