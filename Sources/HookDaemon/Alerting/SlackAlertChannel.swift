import HookCore
import HookHTTP
import HookJSON

/// The `slack` channel: posts each event to a Slack incoming webhook as a Block Kit message.
///
/// The message has a plain `text` one-liner (what notifications and old clients show) and
/// `blocks`: a header whose emoji says the state (🔴 critical firing, 🟠 warning firing,
/// ✅ resolved, 🧪 test) and a section with the event's facts as fields.
///
/// The webhook URL is a secret (whoever has it can post to the channel), so no failure message
/// ever contains it: transport errors are reduced to curl's text, and Slack's answers are
/// scrubbed of the URL before they are quoted.
struct SlackAlertChannel: AlertChannel {
    let name = AlertChannelName.slack.rawValue
    private let webhookURL: String
    private let timeoutSeconds: Double
    private let http: HTTPClient

    /// Slack allows 150 characters in a header block's text.
    static let headerLimit = 150
    /// Slack allows 2000 characters in a section field and 3000 in a section's text.
    static let fieldLimit = 2000
    static let sectionTextLimit = 3000
    /// How much of Slack's plain-text error answer a failure quotes.
    static let quotedAnswerLimit = 200

    /// - Parameters:
    ///   - webhookURL: The incoming webhook (`https://hooks.slack.com/services/…`). A secret.
    ///   - timeoutSeconds: Limit for the whole request, connect to last byte.
    ///   - http: The daemon's shared client.
    init(webhookURL: String, timeoutSeconds: Double, http: HTTPClient) {
        self.webhookURL = webhookURL
        self.timeoutSeconds = timeoutSeconds
        self.http = http
    }

    /// Posts `event` and reads Slack's answer.
    ///
    /// - Throws: `ChannelFailure`: permanent for 400/403/404/410 and other 4xx (a bad payload, a
    ///   revoked webhook, a deleted or archived channel: trying again cannot help); with
    ///   `retryAfterSeconds` for 429; retryable for 5xx and transport failures.
    func deliver(_ event: AlertEvent) async throws(ChannelFailure) {
        let request = HTTPRequest(
            method: "POST", url: webhookURL, headers: [("Content-Type", "application/json; charset=utf-8")],
            body: Self.payload(for: event).encoded(), timeoutSeconds: timeoutSeconds
        )
        let response: HTTPResponse
        do throws(HTTPError) {
            response = try await http.send(request)
        } catch {
            // Only curl's text: `HTTPError.description` names the target, and here the path is the secret.
            throw ChannelFailure(message: "slack: " + AlertChannelHTTP.scrub(error.message, secrets: [webhookURL]))
        }
        try Self.judge(response, webhookURL: webhookURL)
    }

    /// Turns Slack's answer into success or a `ChannelFailure`.
    static func judge(_ response: HTTPResponse, webhookURL: String) throws(ChannelFailure) {
        let status = response.statusCode
        if (200..<300).contains(status) { return }
        let answer = AlertChannelHTTP.quotedBody(response.body, limit: quotedAnswerLimit, secrets: [webhookURL])
        let message = "slack: HTTP \(status)" + (answer.isEmpty ? "" : " \(answer)")
        switch status {
        case 429:
            throw ChannelFailure(message: message, retryAfterSeconds: AlertChannelHTTP.retryAfterSeconds(response))
        case 408, 500...:
            throw ChannelFailure(message: message)
        default:
            // 400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived,
            // and redirects (not followed: the webhook URL is wrong).
            throw ChannelFailure(message: message, permanent: true)
        }
    }

    // MARK: - Message

    /// The JSON body Slack receives for `event`: `text` and `blocks`.
    static func payload(for event: AlertEvent) -> JSONValue {
        let header = truncated("\(emoji(for: event)) \(title(for: event))", to: headerLimit)
        let fields: [(String, String)] = [
            ("Webhook", "`\(escaped(event.webhookCode))`"),
            ("Alert type", escaped(event.type?.rawValue ?? "test")),
            ("Severity", event.severity.rawValue),
            ("State", event.kind == .repeat ? "firing (repeat)" : event.state),
            ("Value vs threshold", valueVersusThreshold(event)),
            ("Calls / failed / failure rate / p95", metricsSummary(event.metrics)),
            ("First fired", ISO8601.format(event.firstFiredAt)),
            ("Host", escaped(event.host)),
        ]
        let section: JSONValue = [
            "type": "section",
            "text": ["type": "mrkdwn", "text": .string(truncated(escaped(event.message), to: sectionTextLimit))],
            "fields": .array(fields.map { label, value in
                ["type": "mrkdwn", "text": .string(truncated("*\(label)*\n\(value)", to: fieldLimit))]
            }),
        ]
        return [
            "text": .string(fallbackText(for: event)),
            "blocks": [
                ["type": "header", "text": ["type": "plain_text", "text": .string(header), "emoji": true]],
                section,
            ],
        ]
    }

    /// The one-liner notifications show: state emoji, severity, webhook and message.
    static func fallbackText(for event: AlertEvent) -> String {
        let label = event.kind == .resolved ? "RESOLVED" : event.severity.rawValue.uppercased()
        return escaped("\(emoji(for: event)) [\(label)] \(event.webhookCode): \(event.message)")
    }

    /// 🔴 critical (or error) firing, 🟠 warning firing, 🔵 info firing, ✅ resolved, 🧪 test.
    static func emoji(for event: AlertEvent) -> String {
        switch event.kind {
        case .resolved: return "✅"
        case .test: return "🧪"
        case .firing, .repeat:
            switch event.severity {
            case .critical, .error: return "🔴"
            case .warning: return "🟠"
            case .info: return "🔵"
            }
        }
    }

    private static func title(for event: AlertEvent) -> String {
        let severity = event.severity.rawValue.prefix(1).uppercased() + event.severity.rawValue.dropFirst()
        return switch event.kind {
        case .firing: "\(severity) alert firing: \(event.webhookCode)"
        case .repeat: "\(severity) alert still firing: \(event.webhookCode)"
        case .resolved: "Resolved: \(event.webhookCode)"
        case .test: "Test alert: \(event.webhookCode)"
        }
    }

    private static func valueVersusThreshold(_ event: AlertEvent) -> String {
        guard let type = event.type else { return "n/a (test)" }
        let (value, threshold) = (AlertChannelHTTP.number(event.value), AlertChannelHTTP.number(event.threshold))
        return switch type {
        case .highFailureRate: "\(value)% vs \(threshold)%"
        case .authFailures: "\(value) vs \(threshold) calls with 401/403"
        case .highLatency: "p95 \(value) s vs \(threshold) s"
        case .deliveryFailing: "\(value)% vs \(threshold)% failed deliveries (circuit breaker)"
        case .webhookDisabled: event.kind == .resolved ? "enabled again" : "disabled"
        case .deliveryDead: "\(value) dead in the window"
        }
    }

    private static func metricsSummary(_ metrics: WindowMetrics?) -> String {
        guard let metrics else { return "n/a" }
        let rate = AlertChannelHTTP.number(metrics.failureRate)
        let p95 = AlertChannelHTTP.number(metrics.p95Latency)
        return "\(metrics.totalCalls) / \(metrics.failedCalls) / \(rate)% / \(p95) s (last \(metrics.windowMinutes) min)"
    }

    /// Slack's mrkdwn control characters (`&`, `<`, `>`) as the entities Slack asks for, so a
    /// webhook code or message cannot turn into a link or a mention.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    private static func truncated(_ text: String, to limit: Int) -> String {
        AlertChannelHTTP.truncated(text, maxScalars: limit)
    }
}
