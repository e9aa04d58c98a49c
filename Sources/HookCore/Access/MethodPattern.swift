/// A pattern naming methods in an ACL rule: `*` (all), `namespace.*` (a namespace), or one name.
public struct MethodPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Form: Hashable {
        case any
        case namespace(String)  // stored with the trailing dot: "credential."
        case exact(String)
    }

    private let form: Form

    /// Reads a pattern; nil when it is not one of the three forms or has characters a method
    /// name cannot have.
    public init?(_ text: String) {
        let allowed = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
        }
        guard allowed, !text.isEmpty else { return nil }
        if text == "*" {
            form = .any
        } else if text.hasSuffix(".*"), !text.dropLast(2).contains("*"), text.count > 2 {
            form = .namespace(String(text.dropLast()))
        } else if !text.contains("*") {
            form = .exact(text)
        } else {
            return nil
        }
    }

    public func matches(_ method: String) -> Bool {
        switch form {
        case .any: true
        case .namespace(let prefix): method.hasPrefix(prefix)
        case .exact(let name): method == name
        }
    }

    public var description: String {
        switch form {
        case .any: "*"
        case .namespace(let prefix): prefix + "*"
        case .exact(let name): name
        }
    }
}
