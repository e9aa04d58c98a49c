/// `webhooks.alerting.*`: the seed's alerting keys, with the seed's defaults.
public struct AlertingSettings: Sendable, Equatable {
    public var enabled = true
    public var windowMinutes = 5
    /// Percent of failed calls in the window above which `high_failure_rate` fires.
    public var failureRateThreshold = 10.0
    /// Calls the window needs before the failure-rate and latency rules judge it.
    public var minCalls = 10
    /// 401/403 answers in the window at or above which `auth_failures` fires.
    public var authFailureThreshold = 5
    /// p95 duration above which `high_latency` fires.
    public var latencyThresholdSeconds = 5.0
    /// While an alert keeps firing, notify again this often.
    public var repeatIntervalMinutes = 60
    /// Notify when an alert resolves.
    public var sendResolved = true
    /// Where notifications go: slack, email, pagerduty, mqtt, log.
    public var channels = ["log"]
    /// How many alert events `alert.history` keeps.
    public var historyLimit = 1000
    /// With Redis enabled: judge each webhook on the calls of every hookd sharing that Redis, and
    /// send each notification from one of them only.
    public var shareThroughRedis = true
    /// Webhook codes tracked at once; a call for one more is refused (`too_many_codes`) until
    /// quiet codes (no call in the window, nothing firing) are let go, which `evaluate` does.
    public var maxCodes = 10_000

    public init() {}

    public var windowSeconds: Int { windowMinutes * 60 }
}

/// What an alert is about; each type has one severity.
///
/// The first three are judged on the calls in the window; the delivery types are conditions the
/// delivery engine reports (``AlertEngine/apply(_:)``), judged by the same state machine.
public enum AlertType: String, Sendable, CaseIterable, Hashable {
    case highFailureRate = "high_failure_rate"
    case authFailures = "auth_failures"
    case highLatency = "high_latency"
    /// The webhook's circuit breaker is open; its resolution is the "delivery recovered" notice.
    case deliveryFailing = "delivery_failing"
    /// A 410 Gone or the breaker's `disable_after` disabled the webhook; resolves when it is enabled.
    case webhookDisabled = "webhook_disabled"
    /// Deliveries went dead in the window; resolves after a whole window with none.
    case deliveryDead = "delivery_dead"

    public var severity: AlertSeverity {
        switch self {
        case .highFailureRate, .highLatency, .deliveryFailing: .warning
        case .deliveryDead: .error
        case .authFailures, .webhookDisabled: .critical
        }
    }

    /// Whether the delivery engine reports this condition (rather than the window's calls deciding it).
    public var isDeliveryCondition: Bool {
        switch self {
        case .highFailureRate, .authFailures, .highLatency: false
        case .deliveryFailing, .webhookDisabled, .deliveryDead: true
        }
    }
}

/// PagerDuty's severities, which the other channels share.
public enum AlertSeverity: String, Sendable, CaseIterable {
    case info, warning, error, critical
}
