import HookCore

/// Somewhere alert notifications go (Slack, email, PagerDuty, MQTT, the log).
protocol AlertChannel: Sendable {
    var name: String { get }
    /// Delivers one event, or says why not and whether trying again can help.
    func deliver(_ event: AlertEvent) async throws(ChannelFailure)
}

/// A delivery that did not happen. Its message is safe to record: never a secret.
struct ChannelFailure: Error, Sendable, Equatable {
    var message: String
    /// The channel asked to wait this long first (HTTP 429 Retry-After).
    var retryAfterSeconds: Double? = nil
    /// Trying again cannot help (a 400 for a bad payload, an archived Slack channel).
    var permanent = false
}
