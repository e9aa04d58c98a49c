import HookJSON

/// A webhook's own delivery settings — `retry`, `breaker`, `max_in_flight`, `rate_per_second` —
/// in place of `delivery.*`: a setting left out inherits the global one, so one slow or fragile
/// receiver can be tuned without touching the rest. Also `signing` and `status_policy`, which
/// have no global form.
///
/// The same reader checks `delivery.retry`, `delivery.breaker` and `delivery.max_in_flight` in
/// the configuration file (which hands it its YAML as JSON), so a key means the same thing and is
/// refused for the same reasons in both places.
public struct DeliveryOverrides: Sendable, Equatable {
    /// `retry`: this webhook's retry schedule, or parts of it.
    public var retry: Retry
    /// `breaker`: keys that replace `delivery.breaker.*` one by one.
    public var breaker: Breaker
    /// `max_in_flight`: attempts at once to this webhook; nil for `delivery.max_in_flight`.
    public var maxInFlight: Int?
    /// `rate_per_second`: attempts per second to this webhook at most (fractions allowed: 0.5 is
    /// one every 2 s); nil for no limit.
    public var ratePerSecond: Double?
    /// `signing`: how deliveries are signed, with a secret of their own; nil for unsigned (an
    /// outbound `hmac` webhook still signs with its credential, as before).
    public var signing: WebhookSigning?
    /// `status_policy`: what an answer's status means for this webhook's deliveries, over the
    /// defaults (`{"404": "retry", "5xx": "dead"}`); the standard policy when not given.
    public var statusPolicy = StatusPolicy.standard

    /// The definition fields these settings are read from, in the order they are shown.
    public static let fields = ["retry", "breaker", "max_in_flight", "rate_per_second", "signing", "status_policy"]
    /// `max_in_flight`, here and in `delivery.max_in_flight`.
    public static let maxInFlightRange = 1...1024
    /// The largest `rate_per_second`: past it a limit limits nothing.
    public static let maximumRatePerSecond: Double = 100_000

    /// Settings from values already checked; definitions and stored rows go through ``init(json:)``.
    public init(retry: Retry = Retry(), breaker: Breaker = Breaker(), maxInFlight: Int? = nil, ratePerSecond: Double? = nil,
                signing: WebhookSigning? = nil, statusPolicy: StatusPolicy = .standard) {
        self.retry = retry
        self.breaker = breaker
        self.maxInFlight = maxInFlight
        self.ratePerSecond = ratePerSecond
        self.signing = signing
        self.statusPolicy = statusPolicy
    }

    /// Nothing overridden: the webhook is delivered by `delivery.*` alone.
    public var isEmpty: Bool { self == DeliveryOverrides() }

    /// Reads the stored form (``json``): an object of the ``fields``, each optional.
    /// - Throws: `WebhookValidationError` naming the field (`retry.max_age`, `breaker.window`, …).
    public init(json object: JSONObject) throws(WebhookValidationError) {
        self.init()
        for member in object {
            try read(member.key, member.value)
        }
    }

    /// Reads one of the ``fields`` (null: not overridden). A definition and the configuration's
    /// `delivery:` section both call this for their members.
    /// - Throws: `WebhookValidationError` naming the field, or the member when it is not one of them.
    public mutating func read(_ field: String, _ value: JSONValue) throws(WebhookValidationError) {
        switch field {
        case "retry": retry = value == .null ? Retry() : try Retry(value, field: field)
        case "breaker": breaker = value == .null ? Breaker() : try Breaker(value, field: field)
        case "max_in_flight":
            maxInFlight = value == .null ? nil : try SettingValue.wholeNumber(value, field: field, in: Self.maxInFlightRange)
        case "rate_per_second":
            ratePerSecond = value == .null ? nil : try SettingValue.positiveNumber(value, field: field, maximum: Self.maximumRatePerSecond)
        case "signing":
            switch value {
            case .null: signing = nil
            case .object(let object): signing = try WebhookSigning(json: object)
            default: throw WebhookValidationError(field: field, reason: "must be an object {scheme, credential: {source, ref}}, found \(value.typeName)")
            }
        case "status_policy":
            statusPolicy = value == .null ? .standard : try Self.statusPolicy(value, field: field)
        default:
            throw WebhookValidationError(field: field, reason: "is not a delivery setting (\(Self.fields.joined(separator: ", ")))")
        }
    }

    /// The overridden fields only, as the registry stores them (`{}` for none).
    public var json: JSONObject {
        var object = JSONObject()
        if !retry.isEmpty { object["retry"] = .object(retry.json) }
        if !breaker.isEmpty { object["breaker"] = .object(breaker.json) }
        if let maxInFlight { object["max_in_flight"] = .integer(Int64(maxInFlight)) }
        if let ratePerSecond { object["rate_per_second"] = .double(ratePerSecond) }
        if let signing { object["signing"] = signing.json }
        if !statusPolicy.overrides.isEmpty { object["status_policy"] = .object(statusPolicyJSON) }
        return object
    }

    /// The fields as `webhook.get` shows them: `retry` and `breaker` as objects (`{}` when not
    /// overridden), `max_in_flight`, `rate_per_second` and `signing` as null when not set.
    public var definitionMembers: [(key: String, value: JSONValue)] {
        [
            ("retry", .object(retry.json)),
            ("breaker", .object(breaker.json)),
            ("max_in_flight", maxInFlight.map { .integer(Int64($0)) } ?? .null),
            ("rate_per_second", ratePerSecond.map(JSONValue.double) ?? .null),
            ("signing", signing?.json ?? .null),
            ("status_policy", .object(statusPolicyJSON)),
        ]
    }

    /// The overrides by pattern (`"404"`, `"5xx"`), sorted.
    private var statusPolicyJSON: JSONObject {
        var object = JSONObject()
        for (pattern, action) in statusPolicy.overrides.sorted(by: { $0.key.description < $1.key.description }) {
            object[pattern.description] = .string(action.rawValue)
        }
        return object
    }

    /// Reads `{"<code or class>": "deliver" | "retry" | "dead"}`; a refusal names the entry
    /// (`status_policy.4xx`).
    private static func statusPolicy(_ value: JSONValue, field: String) throws(WebhookValidationError) -> StatusPolicy {
        guard case .object(let object) = value else {
            throw WebhookValidationError(field: field, reason: "must be an object of status (404) or class (4xx) to deliver, retry or dead, found \(value.typeName)")
        }
        var texts: [String: String] = [:]
        for member in object {
            let entry = "\(field).\(member.key)"
            guard case .string(let action) = member.value else {
                throw WebhookValidationError(field: entry, reason: "must be deliver, retry or dead, found \(member.value.typeName)")
            }
            do throws(StatusPolicyError) {
                _ = try StatusPattern(parsing: member.key)
                _ = try StatusAction(parsing: action)
            } catch {
                throw WebhookValidationError(field: entry, reason: error.description)
            }
            texts[member.key] = action
        }
        do throws(StatusPolicyError) {
            return try StatusPolicy(parsing: texts)
        } catch {
            switch error {
            case .successOverridden(let pattern, _), .duplicatePattern(let pattern), .invalidPattern(let pattern):
                throw WebhookValidationError(field: "\(field).\(pattern)", reason: error.description)
            case .invalidAction:
                throw WebhookValidationError(field: field, reason: error.description)
            }
        }
    }
}
