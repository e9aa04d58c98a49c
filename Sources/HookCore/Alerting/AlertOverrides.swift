import HookJSON
import HookNumbers

/// A webhook's own alerting thresholds, the registry field `alerting`: a field left out inherits
/// `webhooks.alerting.*`, so a noisy or critical webhook can be tuned without touching the rest.
public struct AlertOverrides: Sendable, Equatable {
    public var enabled: Bool?
    public var failureRateThreshold: Double?
    public var minCalls: Int?
    public var authFailureThreshold: Int?
    public var latencyThresholdSeconds: Double?

    public init(
        enabled: Bool? = nil, failureRateThreshold: Double? = nil, minCalls: Int? = nil, authFailureThreshold: Int? = nil,
        latencyThresholdSeconds: Double? = nil
    ) {
        self.enabled = enabled
        self.failureRateThreshold = failureRateThreshold
        self.minCalls = minCalls
        self.authFailureThreshold = authFailureThreshold
        self.latencyThresholdSeconds = latencyThresholdSeconds
    }

    /// The field names, as in `webhooks.alerting.*`.
    static let fields = ["enabled", "failure_rate_threshold", "min_calls", "auth_failure_threshold", "latency_threshold_seconds"]

    /// Nothing overridden.
    public var isEmpty: Bool { self == AlertOverrides() }

    /// Reads `alerting` from a definition, with the ranges the configuration file enforces.
    /// - Throws: `WebhookValidationError` naming `alerting.<field>`.
    public init(json object: JSONObject) throws(WebhookValidationError) {
        for member in object where !Self.fields.contains(member.key) {
            throw WebhookValidationError(field: "alerting.\(member.key)", reason: "is not an alerting field (\(Self.fields.joined(separator: ", ")))")
        }
        switch object["enabled"] {
        case nil, .null?: enabled = nil
        case .bool(let value)?: enabled = value
        case let other?: throw WebhookValidationError(field: "alerting.enabled", reason: "must be a boolean, found \(other.typeName)")
        }
        failureRateThreshold = try Self.number(object, "failure_rate_threshold", in: 0...100)
        minCalls = try Self.number(object, "min_calls", in: 1...1_000_000, whole: true).map { Int(clamping: $0) }
        authFailureThreshold = try Self.number(object, "auth_failure_threshold", in: 1...1_000_000, whole: true).map { Int(clamping: $0) }
        latencyThresholdSeconds = try Self.number(object, "latency_threshold_seconds", in: 0...3600)
    }

    /// The overridden fields only, as `webhook.get` shows them.
    public var json: JSONValue {
        var object = JSONObject()
        if let enabled { object["enabled"] = .bool(enabled) }
        if let failureRateThreshold { object["failure_rate_threshold"] = .double(failureRateThreshold) }
        if let minCalls { object["min_calls"] = .integer(Int64(minCalls)) }
        if let authFailureThreshold { object["auth_failure_threshold"] = .integer(Int64(authFailureThreshold)) }
        if let latencyThresholdSeconds { object["latency_threshold_seconds"] = .double(latencyThresholdSeconds) }
        return .object(object)
    }

    /// `settings` with these fields in place of the global ones.
    public func applied(to settings: AlertingSettings) -> AlertingSettings {
        var effective = settings
        if let enabled { effective.enabled = settings.enabled && enabled }
        if let failureRateThreshold { effective.failureRateThreshold = failureRateThreshold }
        if let minCalls { effective.minCalls = minCalls }
        if let authFailureThreshold { effective.authFailureThreshold = authFailureThreshold }
        if let latencyThresholdSeconds { effective.latencyThresholdSeconds = latencyThresholdSeconds }
        return effective
    }

    private static func number(
        _ object: JSONObject, _ key: String, in range: ClosedRange<Double>, whole: Bool = false
    ) throws(WebhookValidationError) -> Double? {
        guard let value = object[key], value != .null else { return nil }
        let kind = whole ? "a whole number" : "a number"
        guard let number = value.doubleValue, range.contains(number), !whole || number == number.rounded() else {
            throw WebhookValidationError(field: "alerting.\(key)", reason: "must be \(kind) from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))")
        }
        return number
    }

    private static func text(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(clamping: value)) : String(value)
    }
}
