/// What a webhook's status override does with a status: the words a webhook definition writes.
///
/// The action picks the category; the status keeps its particular form within it: `retry` on
/// 401/403 still refreshes the credential once first, and `dead` on 410 is still `gone`.
public enum StatusAction: String, Sendable, Hashable, CaseIterable {
    /// Count the attempt as delivered.
    case deliver
    /// Retry on the schedule.
    case retry
    /// End the delivery as dead (`rejected`; `gone` for 410).
    case dead

    /// Reads `deliver`, `retry` or `dead`.
    /// - Throws: `StatusPolicyError.invalidAction` naming the text.
    public init(parsing text: String) throws(StatusPolicyError) {
        guard let action = StatusAction(rawValue: text) else { throw .invalidAction(text) }
        self = action
    }
}
