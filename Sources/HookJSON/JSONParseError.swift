/// Bytes that are not one acceptable JSON value, with where and why.
///
/// The reasons come from jansson (invalid UTF-8, duplicate keys, too big integers, syntax) or from
/// our own nesting limit; the position lets a caller point at the offending byte.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// 1-based line and column, and 0-based byte offset, as jansson reports them (-1 when unknown).
    public var line: Int
    public var column: Int
    public var position: Int

    public init(reason: String, line: Int = -1, column: Int = -1, position: Int = -1) {
        self.reason = reason
        self.line = line
        self.column = column
        self.position = position
    }

    public var description: String {
        position >= 0 ? "\(reason) (at byte \(position))" : reason
    }
}
