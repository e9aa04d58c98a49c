import HookJSON

extension DeliveryOverrides {
    /// `retry: {schedule: [5s, 5m, …]}` or `{max_attempts: n}`, each with an optional `max_age`.
    ///
    /// `schedule` lists the delays before each retry (the first attempt is immediate, so there
    /// are entries + 1 attempts). `max_attempts` keeps the schedule it overrides — the standard
    /// one for `delivery.retry`, `delivery.retry` for a webhook — cut short, or extended by
    /// repeating its last delay. `max_age` stops retries that would start later than this after
    /// the first attempt. Each part left out is inherited.
    public struct Retry: Sendable, Equatable {
        /// How many attempts, and when.
        public enum Attempts: Sendable, Equatable {
            /// `schedule`: seconds before each retry.
            case schedule([Double])
            /// `max_attempts`: the inherited delays, cut or extended to this many attempts.
            case maxAttempts(Int)
        }

        /// The keys of `retry`.
        public static let fields = ["schedule", "max_attempts", "max_age"]
        /// A `schedule` entry: up to 30 days.
        public static let delayRange: ClosedRange<Double> = 0...(30 * 86_400)
        /// `max_age`: 1 s to 365 days.
        public static let maxAgeRange: ClosedRange<Double> = 1...(365 * 86_400)

        /// nil: the inherited schedule's delays.
        public var attempts: Attempts?
        /// Seconds; nil: the inherited schedule's age limit.
        public var maxAge: Double?

        /// Retry settings from values already checked; nil parts are inherited.
        public init(attempts: Attempts? = nil, maxAge: Double? = nil) {
            self.attempts = attempts
            self.maxAge = maxAge
        }

        /// Nothing overridden.
        public var isEmpty: Bool { attempts == nil && maxAge == nil }

        /// Reads `retry` from a definition or the configuration.
        /// - Parameter field: the name `value` had (`retry`); errors name its members under it.
        /// - Throws: `WebhookValidationError` naming `retry.schedule[1]`, `retry.max_attempts`, …
        init(_ value: JSONValue, field: String) throws(WebhookValidationError) {
            let members = try SettingValue.object(value, field: field, known: Self.fields)
            let schedule = members["schedule"].flatMap { $0 == .null ? nil : $0 }
            let maxAttempts = members["max_attempts"].flatMap { $0 == .null ? nil : $0 }
            if schedule != nil && maxAttempts != nil {
                throw WebhookValidationError(field: field, reason: "gives schedule and max_attempts; give one of them")
            }
            if let schedule {
                guard case .array(let entries) = schedule else {
                    throw WebhookValidationError(field: "\(field).schedule", reason: "must be a list of durations (e.g. [5s, 5m, 30m]), found \(schedule.typeName)")
                }
                guard entries.count < RetrySchedule.maximumAttempts else {
                    throw WebhookValidationError(
                        field: "\(field).schedule",
                        reason: "has \(entries.count) delays; at most \(RetrySchedule.maximumAttempts - 1) (\(RetrySchedule.maximumAttempts) attempts)")
                }
                var delays: [Double] = []
                for (index, entry) in entries.enumerated() {
                    delays.append(try SettingValue.duration(entry, field: "\(field).schedule[\(index)]", in: Self.delayRange))
                }
                attempts = .schedule(delays)
            } else if let maxAttempts {
                attempts = .maxAttempts(try SettingValue.wholeNumber(maxAttempts, field: "\(field).max_attempts", in: 1...RetrySchedule.maximumAttempts))
            }
            if let age = members["max_age"], age != .null {
                maxAge = try SettingValue.duration(age, field: "\(field).max_age", in: Self.maxAgeRange)
            }
        }

        /// The overridden keys, durations in seconds.
        public var json: JSONObject {
            var object = JSONObject()
            switch attempts {
            case .schedule(let delays)?: object["schedule"] = .array(delays.map(JSONValue.double))
            case .maxAttempts(let count)?: object["max_attempts"] = .integer(Int64(count))
            case nil: break
            }
            if let maxAge { object["max_age"] = .double(maxAge) }
            return object
        }

        /// The schedule in force: these keys over `base`.
        public func schedule(over base: RetrySchedule) -> RetrySchedule {
            let maxAge = self.maxAge ?? base.maxAge
            switch attempts {
            case .schedule(let delays)?: return RetrySchedule(checkedDelays: delays, maxAge: maxAge)
            case .maxAttempts(let count)?: return RetrySchedule(checkedDelays: base.limited(toAttempts: count).delays, maxAge: maxAge)
            case nil: return RetrySchedule(checkedDelays: base.delays, maxAge: maxAge)
            }
        }
    }
}
