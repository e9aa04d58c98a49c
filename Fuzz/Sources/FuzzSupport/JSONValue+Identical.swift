import HookJSON

extension JSONValue {
    /// Whether two values are the same document: like `==`, but 1 and 1.0 differ (integers stay
    /// integers) and object members must come in the same order; NaN matches NaN.
    ///
    /// The repository's own differential test (`Tests/HookJSONTests/JSONScannerTests.swift`)
    /// compares the scanner with jansson this way; the harnesses hold them to the same rule.
    public func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.integer(let left), .integer(let right)):
            return left == right
        case (.double(let left), .double(let right)):
            return left == right || (left.isNaN && right.isNaN)
        case (.integer, .double), (.double, .integer):
            return false
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && zip(left.members, right.members).allSatisfy { $0.key == $1.key && $0.value.isIdentical(to: $1.value) }
        default:
            return self == other
        }
    }
}
