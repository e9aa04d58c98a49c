import HookJSON

/// How `inbound.verify` checks an IN webhook's requests (`inbound` in the definition): how far a
/// signed timestamp may be from the time of receipt, how long an event id without a timestamp is
/// remembered against replays, and the `generic` scheme's header and format.
public struct InboundSettings: Sendable, Equatable {
    /// `tolerance_seconds` when the definition does not set it: Stripe's, Slack's and Standard
    /// Webhooks' five minutes.
    public static let defaultTolerance = SignatureVerifier.defaultTolerance
    /// The longest tolerance or replay window accepted: a week.
    public static let maximumSeconds: Double = 604_800

    /// Seconds a signed timestamp may be from the time of receipt, either way; nil: the default.
    public var toleranceSeconds: Double?
    /// Seconds an event id of a request without a timestamp is remembered; nil: twice the tolerance.
    public var replayWindowSeconds: Double?
    /// The `generic` scheme's settings (required when the credential's scheme is `generic`).
    public var generic: GenericSignatureSettings?

    /// The keys of the `inbound` object.
    public static let fields = ["tolerance_seconds", "replay_window_seconds", "generic"]

    /// Settings from Swift; nil members take the defaults.
    public init(toleranceSeconds: Double? = nil, replayWindowSeconds: Double? = nil, generic: GenericSignatureSettings? = nil) {
        self.toleranceSeconds = toleranceSeconds
        self.replayWindowSeconds = replayWindowSeconds
        self.generic = generic
    }

    /// The tolerance that applies.
    public var tolerance: Double { toleranceSeconds ?? Self.defaultTolerance }

    /// How long a valid request's event id is remembered from `now`: until its signed timestamp
    /// falls out of the tolerance, or for `replay_window_seconds` (default twice the tolerance)
    /// when the request carries no timestamp. At least one second.
    public func replayWindow(timestamp: Int?, now: Double) -> Double {
        guard let timestamp else { return max(1, replayWindowSeconds ?? 2 * tolerance) }
        return max(1, Double(timestamp) + tolerance - now)
    }

    /// Reads `inbound` from a definition.
    /// - Throws: `WebhookValidationError` naming the key (`inbound.tolerance_seconds`, `inbound.generic.header`, …).
    public init(json object: JSONObject) throws(WebhookValidationError) {
        for member in object where !Self.fields.contains(member.key) {
            throw WebhookValidationError(field: "inbound.\(member.key)", reason: "is not an inbound field (\(Self.fields.joined(separator: ", ")))")
        }
        func seconds(_ key: String) throws(WebhookValidationError) -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case let value?:
                guard let number = value.doubleValue else {
                    throw WebhookValidationError(field: "inbound.\(key)", reason: "must be a number of seconds, found \(value.typeName)")
                }
                guard number > 0, number <= Self.maximumSeconds else {
                    throw WebhookValidationError(field: "inbound.\(key)", reason: "must be more than 0 and at most \(Int(Self.maximumSeconds)) seconds")
                }
                return number
            }
        }
        var generic: GenericSignatureSettings? = nil
        switch object["generic"] {
        case nil, .null?: break
        case .object(let settings)?: generic = try GenericSignatureSettings(json: settings, path: "inbound.generic")
        case let other?:
            throw WebhookValidationError(field: "inbound.generic", reason: "must be an object {header, prefix?, encoding?, …}, found \(other.typeName)")
        }
        self.init(toleranceSeconds: try seconds("tolerance_seconds"), replayWindowSeconds: try seconds("replay_window_seconds"), generic: generic)
    }

    /// The `inbound` object as a definition shows it: only what is set.
    public var json: JSONObject {
        var object = JSONObject()
        if let toleranceSeconds { object["tolerance_seconds"] = .double(toleranceSeconds) }
        if let replayWindowSeconds { object["replay_window_seconds"] = .double(replayWindowSeconds) }
        if let generic { object["generic"] = .object(generic.json) }
        return object
    }
}
