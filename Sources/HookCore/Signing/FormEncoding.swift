/// `application/x-www-form-urlencoded`, both ways: Twilio signs a form post's fields, the sandbox
/// builds and re-signs such posts, and the masker reads query parameter names with it.
public enum FormEncoding {
    /// Unreserved bytes as they are, a space as `+`, the rest `%XX`.
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "*"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output += "+"
            default:
                output += "%" + SignatureText.hex([byte]).uppercased()
            }
        }
        return output
    }

    /// `%XX` and `+` decoded; malformed escapes stay as they are.
    public static func decode(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = SignatureText.hexValue(bytes[index + 1]), let low = SignatureText.hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A form body's fields in order.
    public static func fields(_ body: [UInt8]) -> [(String, String)] {
        String(decoding: body, as: UTF8.self).split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The fields of a form post (`Content-Type: application/x-www-form-urlencoded`, in any case),
    /// nil for any other body: what Twilio signs beside the URL.
    public static func fields(ofFormPost headers: [(name: String, value: String)], body: [UInt8]) -> [(String, String)]? {
        let isForm = headers.contains { $0.name.lowercased() == "content-type" && $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded") }
        return isForm ? fields(body) : nil
    }

    /// A form body from fields in order.
    public static func body(_ fields: [(String, String)]) -> [UInt8] {
        Array(fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }
}
