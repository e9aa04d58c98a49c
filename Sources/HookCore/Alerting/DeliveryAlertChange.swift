/// A change in a webhook's deliveries that alerting judges (``AlertEngine/apply(_:)``): the delivery
/// engine reports it, the alert state machine decides whether it fires, repeats or resolves.
public enum DeliveryAlertChange: Sendable, Equatable {
    /// The breaker opened (or reopened after a failed probe): `delivery_failing` fires.
    /// - failureRate: the window's failed deliveries, percent; threshold: the breaker's `failure_rate`.
    case breakerOpened(code: String, failureRate: Double, threshold: Double)
    /// The breaker closed: `delivery_failing` resolves (the "delivery recovered" notice).
    case breakerClosed(code: String)
    /// hookd disabled the webhook: `webhook_disabled` fires.
    case webhookDisabled(code: String, reason: WebhookDisableReason)
    /// The webhook is enabled again (or was deleted): `webhook_disabled` resolves.
    case webhookEnabled(code: String)
    /// A delivery went dead: counts towards `delivery_dead` for the alert window.
    case deliveryDead(code: String)

    /// The webhook the change is about.
    public var code: String {
        switch self {
        case .breakerOpened(let code, _, _), .breakerClosed(let code), .webhookDisabled(let code, _), .webhookEnabled(let code),
             .deliveryDead(let code):
            code
        }
    }
}
