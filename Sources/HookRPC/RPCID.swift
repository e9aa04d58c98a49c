import HookJSON

/// A request id as JSON-RPC 2.0 allows it: a string, a number or null, echoed back unchanged.
public enum RPCID: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    /// A number with a fraction: the specification discourages it but does not forbid it.
    case fractional(Double)
    case null

    /// Reads an id from the `id` member, or nil when the value is not a valid id type.
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .double(let number): self = .fractional(number)
        case .null: self = .null
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .fractional(let number): .double(number)
        case .null: .null
        }
    }
}
