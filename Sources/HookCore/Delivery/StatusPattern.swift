/// The statuses a webhook's override applies to: one code (`"404"`) or a class (`"4xx"`).
///
/// An exact code is more specific than its class, and `StatusPolicy` prefers it.
public struct StatusPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Form: Hashable {
        case code(Int)
        /// The hundreds digit: 4 for 4xx.
        case statusClass(Int)
    }

    private let form: Form

    /// Reads a code from 100 to 599 (`"404"`) or a class from `"1xx"` to `"5xx"` (`X` also).
    /// - Throws: `StatusPolicyError.invalidPattern` naming the text.
    public init(parsing text: String) throws(StatusPolicyError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[0]) else {
            throw .invalidPattern(text)
        }
        let hundreds = Int(bytes[0] - UInt8(ascii: "0"))
        let rest = bytes[1...]
        if rest.allSatisfy({ $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") }) {
            form = .statusClass(hundreds)
        } else if rest.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            form = .code(hundreds * 100 + Int(bytes[1] - UInt8(ascii: "0")) * 10 + Int(bytes[2] - UInt8(ascii: "0")))
        } else {
            throw .invalidPattern(text)
        }
    }

    /// Whether `statusCode` is this code or in this class.
    public func matches(_ statusCode: Int) -> Bool {
        switch form {
        case .code(let code): statusCode == code
        case .statusClass(let hundreds): (hundreds * 100..<hundreds * 100 + 100).contains(statusCode)
        }
    }

    /// An exact code rather than a class.
    public var isExactCode: Bool {
        switch form {
        case .code: true
        case .statusClass: false
        }
    }

    /// `404` or `4xx`.
    public var description: String {
        switch form {
        case .code(let code): String(code)
        case .statusClass(let hundreds): "\(hundreds)xx"
        }
    }
}
