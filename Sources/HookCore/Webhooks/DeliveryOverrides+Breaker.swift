import HookJSON

extension DeliveryOverrides {
    /// `breaker: {failure_rate, min_requests, window, cooldown, max_cooldown, disable_after}`:
    /// each key given replaces the inherited one (`CircuitBreaker.Settings.standard` for
    /// `delivery.breaker`, `delivery.breaker` for a webhook). Durations in seconds.
    public struct Breaker: Sendable, Equatable {
        /// The keys of `breaker`.
        public static let fields = ["failure_rate", "min_requests", "window", "cooldown", "max_cooldown", "disable_after"]

        /// Percent, 1 to 100.
        public var failureRate: Double?
        /// 1 to 1 000 000.
        public var minRequests: Int?
        /// 1 s to 1 day.
        public var window: Double?
        /// 1 ms to 1 day.
        public var cooldown: Double?
        /// 1 ms to 7 days, at least `cooldown` when both are given.
        public var maxCooldown: Double?
        /// 1 s to 365 days.
        public var disableAfter: Double?

        /// Breaker keys from values already in range; nil keys are inherited.
        public init(
            failureRate: Double? = nil, minRequests: Int? = nil, window: Double? = nil, cooldown: Double? = nil,
            maxCooldown: Double? = nil, disableAfter: Double? = nil
        ) {
            self.failureRate = failureRate
            self.minRequests = minRequests
            self.window = window
            self.cooldown = cooldown
            self.maxCooldown = maxCooldown
            self.disableAfter = disableAfter
        }

        /// Nothing overridden.
        public var isEmpty: Bool { self == Breaker() }

        /// Reads `breaker` from a definition or the configuration.
        /// - Parameter field: the name `value` had (`breaker`); errors name its keys under it.
        /// - Throws: `WebhookValidationError` naming `breaker.failure_rate`, `breaker.window`, …
        init(_ value: JSONValue, field: String) throws(WebhookValidationError) {
            let members = try SettingValue.object(value, field: field, known: Self.fields)
            func given(_ key: String) -> JSONValue? { members[key].flatMap { $0 == .null ? nil : $0 } }
            failureRate = try given("failure_rate").map { member throws(WebhookValidationError) in
                try SettingValue.number(member, field: "\(field).failure_rate", in: 1...100)
            }
            minRequests = try given("min_requests").map { member throws(WebhookValidationError) in
                try SettingValue.wholeNumber(member, field: "\(field).min_requests", in: 1...1_000_000)
            }
            window = try given("window").map { member throws(WebhookValidationError) in
                try SettingValue.duration(member, field: "\(field).window", in: 1...86_400)
            }
            cooldown = try given("cooldown").map { member throws(WebhookValidationError) in
                try SettingValue.duration(member, field: "\(field).cooldown", in: 0.001...86_400)
            }
            maxCooldown = try given("max_cooldown").map { member throws(WebhookValidationError) in
                try SettingValue.duration(member, field: "\(field).max_cooldown", in: 0.001...(7 * 86_400))
            }
            disableAfter = try given("disable_after").map { member throws(WebhookValidationError) in
                try SettingValue.duration(member, field: "\(field).disable_after", in: 1...(365 * 86_400))
            }
            if let cooldown, let maxCooldown, maxCooldown < cooldown {
                throw WebhookValidationError(
                    field: "\(field).max_cooldown",
                    reason: "must be at least cooldown (\(SettingValue.text(cooldown)) s), found \(SettingValue.text(maxCooldown)) s")
            }
        }

        /// The overridden keys, durations in seconds.
        public var json: JSONObject {
            var object = JSONObject()
            if let failureRate { object["failure_rate"] = .double(failureRate) }
            if let minRequests { object["min_requests"] = .integer(Int64(minRequests)) }
            if let window { object["window"] = .double(window) }
            if let cooldown { object["cooldown"] = .double(cooldown) }
            if let maxCooldown { object["max_cooldown"] = .double(maxCooldown) }
            if let disableAfter { object["disable_after"] = .double(disableAfter) }
            return object
        }

        /// The settings in force: these keys over `base`. A cooldown above the max_cooldown in
        /// force raises max_cooldown to it (the wait never shrinks as probes fail).
        public func settings(over base: CircuitBreaker.Settings) -> CircuitBreaker.Settings {
            let cooldown = self.cooldown ?? base.cooldown
            return CircuitBreaker.Settings(
                checkedFailureRate: failureRate ?? base.failureRate, minRequests: minRequests ?? base.minRequests,
                window: window ?? base.window, cooldown: cooldown, maxCooldown: max(maxCooldown ?? base.maxCooldown, cooldown),
                disableAfter: disableAfter ?? base.disableAfter)
        }
    }
}
