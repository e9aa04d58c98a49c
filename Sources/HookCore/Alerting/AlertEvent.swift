import HookJSON
import HookNumbers

/// Something an alert did that is worth telling: it started firing, is still firing (repeat),
/// resolved, or is a test. Kept in history; sent to the channels unless silenced.
public struct AlertEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case firing, `repeat`, resolved, test
    }

    public var id: Int
    public var kind: Kind
    public var webhookCode: String
    /// nil for a test alert.
    public var type: AlertType?
    public var severity: AlertSeverity
    public var value: Double
    public var threshold: Double
    public var message: String
    public var metrics: WindowMetrics?
    /// When this alert started firing (seconds since 1970).
    public var firstFiredAt: Double
    public var timestamp: Double
    public var host: String
    /// Silenced events are recorded but not sent.
    public var silenced: Bool

    /// "firing" for firing, repeat and test events; "resolved" for resolutions.
    public var state: String { kind == .resolved ? "resolved" : "firing" }

    /// A stable key per (webhook, alert type) and firing episode, for de-duplication by channels
    /// (PagerDuty's dedup_key): the resolve carries the same key as its trigger.
    public var dedupKey: String {
        "hookd/\(webhookCode)/\(type?.rawValue ?? "test")/\(Int64(clamping: firstFiredAt))"
    }

    /// The `webhook_alert` line of the structured log, and the body other channels render from.
    public var json: JSONValue {
        [
            "event": "webhook_alert", "alert_type": .string(type?.rawValue ?? "test"), "severity": .string(severity.rawValue),
            "webhook_code": .string(webhookCode), "state": .string(state), "notification": .string(kind.rawValue),
            "message": .string(message), "value": .double(value), "threshold": .double(threshold),
            "metrics": metrics?.json ?? .null, "first_fired_at": .string(ISO8601.format(firstFiredAt, fractionalDigits: 3)),
            "timestamp": .string(ISO8601.format(timestamp, fractionalDigits: 3)), "host": .string(host),
            "silenced": .bool(silenced), "id": .integer(Int64(id)),
        ]
    }
}
