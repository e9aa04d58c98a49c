import HookJSON

/// A webhook's own delivery settings — `retry`, `breaker`, `max_in_flight`, `rate_per_second` —
/// in place of `delivery.*`: a setting left out inherits the global one, so one slow or fragile
/// receiver can be tuned without touching the rest. Also `signing`, which has no global form.
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

    /// The definition fields these settings are read from, in the order they are shown.
    public static let fields = ["retry", "breaker", "max_in_flight", "rate_per_second", "signing"]
    /// `max_in_flight`, here and in `delivery.max_in_flight`.
    public static let maxInFlightRange = 1...1024
    /// The largest `rate_per_second`: past it a limit limits nothing.
    public static let maximumRatePerSecond: Double = 100_000

    /// Settings from values already checked; definitions and stored rows go through ``init(json:)``.
    public init(retry: Retry = Retry(), breaker: Breaker = Breaker(), maxInFlight: Int? = nil, ratePerSecond: Double? = nil,
                signing: WebhookSigning? = nil) {
        self.retry = retry
        self.breaker = breaker
        self.maxInFlight = maxInFlight
        self.ratePerSecond = ratePerSecond
        self.signing = signing
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
        ]
    }
}
