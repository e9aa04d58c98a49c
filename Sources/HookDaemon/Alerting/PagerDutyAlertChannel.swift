import HookCore
import HookHTTP
import HookJSON

/// The `pagerduty` channel: PagerDuty Events API v2 (`POST /v2/enqueue`).
///
/// Firing, repeat and test events are `trigger`s and resolutions are `resolve`s, all carrying the
/// event's `dedupKey`, so PagerDuty folds a repeat into the open alert and the resolve closes
/// exactly the alert its trigger opened.
///
/// The routing key is a secret: it travels only in the request body, and every message this
/// channel makes is scrubbed of it.
struct PagerDutyAlertChannel: AlertChannel {
    let name = AlertChannelName.pagerduty.rawValue
    private let routingKey: String
    private let eventsURL: String
    private let timeoutSeconds: Double
    private let http: HTTPClient

    /// PagerDuty's limit on `payload.summary`, in characters.
    static let summaryLimit = 1024
    /// PagerDuty's limit on `dedup_key`, in characters.
    static let dedupKeyLimit = 255
    /// The wait after a 429 that came without `Retry-After`. PagerDuty limits a routing key to
    /// about 120 events a minute, so a few seconds lets the window move on.
    static let defaultRetryAfterSeconds = 5.0
    /// How much of PagerDuty's error answer a failure quotes.
    static let quotedAnswerLimit = 300

    /// - Parameters:
    ///   - routingKey: The integration's routing key (32 characters). A secret.
    ///   - eventsURL: `https://events.pagerduty.com/v2/enqueue`, or a stand-in in tests.
    ///   - timeoutSeconds: Limit for the whole request, connect to last byte.
    ///   - http: The daemon's shared client.
    init(routingKey: String, eventsURL: String, timeoutSeconds: Double, http: HTTPClient) {
        self.routingKey = routingKey
        self.eventsURL = eventsURL
        self.timeoutSeconds = timeoutSeconds
        self.http = http
    }

    /// Enqueues `event` and reads PagerDuty's answer.
    ///
    /// - Throws: `ChannelFailure`: permanent for 400 (an invalid event: sending it again gets the
    ///   same answer) and other 4xx; with `retryAfterSeconds` for 429 (`Retry-After`, else 5 s);
    ///   retryable for 5xx and transport failures.
    func deliver(_ event: AlertEvent) async throws(ChannelFailure) {
        let request = HTTPRequest(
            method: "POST", url: eventsURL, headers: [("Content-Type", "application/json")],
            body: Self.body(for: event, routingKey: routingKey).encoded(), timeoutSeconds: timeoutSeconds
        )
        let response: HTTPResponse
        do throws(HTTPError) {
            response = try await http.send(request)
        } catch {
            throw ChannelFailure(message: "pagerduty: " + AlertChannelHTTP.scrub(error.message, secrets: [routingKey]))
        }
        try Self.judge(response, routingKey: routingKey)
    }

    /// Turns PagerDuty's answer into success or a `ChannelFailure`.
    static func judge(_ response: HTTPResponse, routingKey: String) throws(ChannelFailure) {
        let status = response.statusCode
        if (200..<300).contains(status) { return }
        let explanation = AlertChannelHTTP.scrub(explain(response.body), secrets: [routingKey])
        let message = "pagerduty: HTTP \(status)" + (explanation.isEmpty ? "" : " \(explanation)")
        switch status {
        case 429:
            let wait = AlertChannelHTTP.retryAfterSeconds(response) ?? defaultRetryAfterSeconds
            throw ChannelFailure(message: message, retryAfterSeconds: wait)
        case 408, 500...:
            throw ChannelFailure(message: message)
        default:
            // 400 invalid event; 404 or a redirect: the events URL is wrong.
            throw ChannelFailure(message: message, permanent: true)
        }
    }

    /// PagerDuty's `message` and `errors` (`Event object is invalid: …`), else the body's text.
    private static func explain(_ body: [UInt8]) -> String {
        guard let answer = try? JSONValue.parse(body), let message = answer["message"]?.stringValue else {
            return AlertChannelHTTP.quotedBody(body, limit: quotedAnswerLimit, secrets: [])
        }
        let errors = answer["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let text = errors.isEmpty ? message : "\(message): \(errors.joined(separator: "; "))"
        return AlertChannelHTTP.quotedBody(Array(text.utf8), limit: quotedAnswerLimit, secrets: [])
    }

    // MARK: - Events

    /// The Events API v2 body for `event`: a full `trigger`, or a `resolve` with only the
    /// routing key, dedup key and action.
    static func body(for event: AlertEvent, routingKey: String) -> JSONValue {
        let dedupKey = AlertChannelHTTP.truncated(event.dedupKey, maxScalars: dedupKeyLimit)
        guard event.kind != .resolved else {
            return ["routing_key": .string(routingKey), "dedup_key": .string(dedupKey), "event_action": "resolve"]
        }
        var details = event.metrics?.json.objectValue ?? JSONObject()
        details["value"] = .double(event.value)
        details["threshold"] = .double(event.threshold)
        details["notification"] = .string(event.kind.rawValue)
        details["first_fired_at"] = .string(ISO8601.format(event.firstFiredAt, fractionalDigits: 3))
        let payload: JSONValue = [
            "summary": .string(summary(for: event)),
            "source": .string(event.host),
            "severity": .string(event.severity.rawValue),
            "timestamp": .string(ISO8601.format(event.timestamp, fractionalDigits: 3)),
            "component": .string(event.webhookCode),
            "group": "hookd",
            "class": .string(event.type?.rawValue ?? "test"),
            "custom_details": .object(details),
        ]
        return [
            "routing_key": .string(routingKey), "event_action": "trigger", "dedup_key": .string(dedupKey),
            "client": "hookd", "payload": payload,
        ]
    }

    /// `webhook: message`, cut to PagerDuty's 1024 characters.
    static func summary(for event: AlertEvent) -> String {
        AlertChannelHTTP.truncated("\(event.webhookCode): \(event.message)", maxScalars: summaryLimit)
    }
}
