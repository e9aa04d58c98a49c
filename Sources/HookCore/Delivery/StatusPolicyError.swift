/// A webhook's status overrides that `StatusPolicy` does not accept; each case names the text.
public enum StatusPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a code from 100 to 599 nor a class `1xx` to `5xx`.
    case invalidPattern(String)
    /// Not `deliver`, `retry` or `dead`.
    case invalidAction(String)
    /// A 2xx mapped to something other than `deliver`: the receiver took the payload, and
    /// retrying it would send it twice.
    case successOverridden(pattern: String, action: StatusAction)
    /// Two texts for the same pattern (`4xx` and `4XX`).
    case duplicatePattern(String)

    public var description: String {
        switch self {
        case .invalidPattern(let text):
            "status pattern '\(text)' is neither a code from 100 to 599 (404) nor a class from 1xx to 5xx"
        case .invalidAction(let text):
            "status action '\(text)' is not one of deliver, retry, dead"
        case .successOverridden(let pattern, let action):
            "status pattern '\(pattern)' covers 2xx, which can only be 'deliver', not '\(action.rawValue)'"
        case .duplicatePattern(let text):
            "status pattern '\(text)' is given twice"
        }
    }
}
