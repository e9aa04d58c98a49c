/// A value to bind to a statement parameter, in SQLite's five storage classes.
///
/// Values may be secrets (the legacy credential): they are handed to SQLite and nowhere else,
/// and never appear in a `StoreError`.
enum SQLiteValue {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    /// Text, or NULL when absent.
    static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }

    /// A boolean as SQLite stores one: 1 or 0.
    static func bool(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
}
