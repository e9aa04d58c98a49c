import HookCore
import HookHTTP
import HookNumbers

/// The `email` channel: one plain-text email per event, sent over SMTP with libcurl.
///
/// curl's SMTP transfer blocks, so each send runs on this channel's own serial queue, never on
/// Swift's cooperative pool or an event loop; emails therefore go out one at a time. A send cannot
/// be abandoned half-way: `smtp.timeout_seconds` bounds it instead.
struct EmailAlertChannel: AlertChannel {
    let name = AlertChannelName.email.rawValue
    let settings: SMTPSettings
    private let queue = BlockingQueue(label: "hookd.alerting.email")

    init(settings: SMTPSettings) {
        self.settings = settings
    }

    /// Sends the event's email.
    /// - Throws: `ChannelFailure` with curl's reason (never the password); permanent when the
    ///   server refused with a 5xx reply (unknown recipient, login denied) or the settings are
    ///   incomplete, retryable for everything else (4xx replies, connection, TLS, timeouts).
    func deliver(_ event: AlertEvent) async throws(ChannelFailure) {
        guard let url = settings.url, !url.isEmpty, let from = settings.from, !from.isEmpty, !settings.to.isEmpty else {
            throw ChannelFailure(message: "email: smtp.url, smtp.from and at least one recipient are required", permanent: true)
        }
        let message = SMTPMessage(from: from, to: settings.to, subject: Self.subject(for: event), body: Self.body(for: event))
        let settings = settings
        do {
            try await queue.run { () throws(SMTPError) in
                try SMTPMailer().send(
                    message, url: url, username: settings.username, password: settings.password,
                    requireTLS: settings.requireTLS, caFile: settings.caFile, timeoutSeconds: settings.timeoutSeconds)
            }
        } catch {
            throw ChannelFailure(message: "email: \(error.description)", permanent: error.isPermanent)
        }
    }

    /// `[hookd] CRITICAL firing: auth_failures on STRIPE`; `still firing` for repeats, `resolved`,
    /// and `[hookd] INFO test alert for STRIPE` for tests.
    static func subject(for event: AlertEvent) -> String {
        let severity = event.severity.rawValue.uppercased()
        let state: String
        switch event.kind {
        case .firing: state = "firing"
        case .repeat: state = "still firing"
        case .resolved: state = "resolved"
        case .test: return "[hookd] \(severity) test alert for \(event.webhookCode)"
        }
        return "[hookd] \(severity) \(state): \(event.type?.rawValue ?? "test") on \(event.webhookCode)"
    }

    /// The event's message, then what was measured against what, when it started, where, and the
    /// webhook's numbers over the alerting window.
    static func body(for event: AlertEvent) -> String {
        var lines = [
            event.message,
            "",
            "Webhook:     \(event.webhookCode)",
            "Alert:       \(event.type?.rawValue ?? "test") (\(event.severity.rawValue))",
            "State:       \(event.state) (\(event.kind.rawValue))",
            "Value:       \(number(event.value)) (threshold \(number(event.threshold)))",
            "First fired: \(ISO8601.format(event.firstFiredAt))",
            "Time:        \(ISO8601.format(event.timestamp))",
            "Host:        \(event.host)",
        ]
        if let metrics = event.metrics {
            lines += [
                "",
                "Metrics over the last \(metrics.windowMinutes) minutes:",
                "  calls:         \(metrics.totalCalls) (\(metrics.successfulCalls) succeeded, \(metrics.failedCalls) failed)",
                "  failure rate:  \(number(metrics.failureRate)) %",
                "  auth failures: \(metrics.authFailures)",
                "  latency (s):   avg \(number(metrics.avgLatency)), p50 \(number(metrics.p50Latency)), "
                    + "p95 \(number(metrics.p95Latency)), p99 \(number(metrics.p99Latency)), max \(number(metrics.maxLatency))",
                "  active alerts: \(metrics.activeAlerts.isEmpty ? "none" : metrics.activeAlerts.map(\.rawValue).joined(separator: ", "))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `12`, `0.2534`: whole numbers without a fraction, others to at most 4 decimals.
    private static func number(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(clamping: rounded)) }
        return "\(rounded)"
    }
}
