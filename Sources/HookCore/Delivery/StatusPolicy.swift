/// Maps an attempt's outcome to what the delivery engine does next: the per-status policy, with
/// a webhook's overrides.
///
/// Defaults: 2xx delivered; 3xx (redirects are not followed), 408, 409, 425, 429, 5xx, timeouts
/// and connection errors retried; 401/403 refresh the credential and retry once at once, then
/// follow the schedule; 410 gone; other 4xx dead (`rejected`); a blocked address dead
/// (`blocked_address`). A status outside 200–599 (an informational 1xx as final answer, or no
/// valid code at all) is a broken exchange and is retried like a connection error.
///
/// Overrides change a code or a class: an exact code beats its class, which beats the default.
/// An action picks the category and the status keeps its form in it: 401/403 under `retry` still
/// refresh the credential first, 410 under `dead` is still `gone`.
/// 2xx can only be `deliver` (the receiver has the payload; anything else would send it twice or
/// drop a delivered one), so the policy refuses other actions for them.
public struct StatusPolicy: Sendable, Equatable {
    /// The defaults, no overrides.
    public static let standard = StatusPolicy(checkedOverrides: [:])

    /// The webhook's overrides, as given.
    public let overrides: [StatusPattern: StatusAction]

    /// A policy with a webhook's overrides.
    /// - Throws: `StatusPolicyError.successOverridden` when a pattern that covers 2xx maps to
    ///   anything but `deliver`.
    public init(overrides: [StatusPattern: StatusAction] = [:]) throws(StatusPolicyError) {
        for (pattern, action) in overrides where action != .deliver && (200...299).contains(where: pattern.matches) {
            throw .successOverridden(pattern: pattern.description, action: action)
        }
        self.init(checkedOverrides: overrides)
    }

    /// A policy from the definition's texts, `{"404": "deliver", "5xx": "dead"}`.
    /// - Throws: `StatusPolicyError` naming the first text that is not a pattern or action, a
    ///   pattern written twice, or a 2xx not mapped to `deliver`.
    public init(parsing texts: [String: String]) throws(StatusPolicyError) {
        var overrides: [StatusPattern: StatusAction] = [:]
        // Sorted, so that the same definition always reports the same first error.
        for (patternText, actionText) in texts.sorted(by: { $0.key < $1.key }) {
            let pattern = try StatusPattern(parsing: patternText)
            let action = try StatusAction(parsing: actionText)
            guard overrides.updateValue(action, forKey: pattern) == nil else { throw .duplicatePattern(patternText) }
        }
        try self.init(overrides: overrides)
    }

    private init(checkedOverrides: [StatusPattern: StatusAction]) {
        overrides = checkedOverrides
    }

    /// What to do after an attempt with `outcome`.
    /// - Parameters:
    ///   - outcome: What the attempt came to.
    ///   - credentialAlreadyRefreshed: True when this attempt was the immediate retry after
    ///     ``DeliveryDecision/refreshCredentialAndRetryNow``, so that a second 401/403 in a row
    ///     follows the schedule instead of refreshing again.
    public func decision(for outcome: AttemptOutcome, credentialAlreadyRefreshed: Bool = false) -> DeliveryDecision {
        switch outcome {
        case .timeout, .connectionFailed:
            return .retry
        case .blockedAddress:
            return .dead(reason: .blockedAddress)
        case .response(let statusCode):
            switch action(for: statusCode) {
            case .deliver:
                return .delivered
            case .retry:
                return outcome.isAuthFailure && !credentialAlreadyRefreshed ? .refreshCredentialAndRetryNow : .retry
            case .dead:
                return statusCode == 410 ? .gone : .dead(reason: .rejected)
            }
        }
    }

    /// The action for a status: the override for the exact code, else the one for its class,
    /// else ``defaultAction(for:)``.
    public func action(for statusCode: Int) -> StatusAction {
        var classAction: StatusAction?
        for (pattern, action) in overrides where pattern.matches(statusCode) {
            if pattern.isExactCode { return action }
            classAction = action
        }
        return classAction ?? Self.defaultAction(for: statusCode)
    }

    /// The action hookd takes for a status when no override applies.
    public static func defaultAction(for statusCode: Int) -> StatusAction {
        switch statusCode {
        case 200...299: .deliver
        case 410: .dead
        case 401, 403, 408, 409, 425, 429: .retry
        case 400...499: .dead
        default: .retry
        }
    }
}
