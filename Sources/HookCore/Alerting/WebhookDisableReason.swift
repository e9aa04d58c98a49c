/// Why hookd disabled a webhook on its own, as the `webhook_disabled` alert says it.
public enum WebhookDisableReason: String, Sendable, Equatable {
    /// The receiver answered 410 Gone: the endpoint was removed for good.
    case gone
    /// The circuit breaker saw nothing but failures for its `disable_after`.
    case onlyFailures = "only_failures"

    /// The reason in words, for the alert's message and the daemon's log.
    public var explanation: String {
        switch self {
        case .gone: "the receiver answered 410 Gone"
        case .onlyFailures: "its deliveries did nothing but fail for the breaker's disable_after"
        }
    }
}
