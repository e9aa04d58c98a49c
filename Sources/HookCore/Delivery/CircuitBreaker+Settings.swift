extension CircuitBreaker {
    /// `delivery.breaker.*`, or a webhook's own `breaker: {…}`: when the breaker opens, how long
    /// it waits, and when a webhook that only fails is disabled. Durations in seconds.
    public struct Settings: Sendable, Equatable {
        /// Convoy's numbers plus Svix's disable: 70 % of at least 10 requests in 5 minutes opens
        /// it; a probe after 30 s, doubling to 30 min; disabled after 5 days of only failures.
        public static let standard = Settings(
            checkedFailureRate: 70, minRequests: 10, window: 300, cooldown: 30, maxCooldown: 1800, disableAfter: 432_000)

        /// Percent of failed requests in the window at or above which the breaker opens (0 < rate ≤ 100).
        public let failureRate: Double
        /// Requests the window needs before its failure rate can open the breaker (≥ 1).
        public let minRequests: Int
        /// The sliding window's length (> 0).
        public let window: Double
        /// The wait before the first probe after opening (> 0).
        public let cooldown: Double
        /// The cap on the wait, which doubles after each failed probe (≥ `cooldown`).
        public let maxCooldown: Double
        /// Time with only failures, counted from the first failure after the last success, after
        /// which the webhook is disabled (> 0).
        public let disableAfter: Double

        /// Checked settings; each default is the standard one.
        /// - Throws: `CircuitBreakerSettingsError` naming the first key out of range.
        public init(
            failureRate: Double = 70, minRequests: Int = 10, window: Double = 300,
            cooldown: Double = 30, maxCooldown: Double = 1800, disableAfter: Double = 432_000
        ) throws(CircuitBreakerSettingsError) {
            guard failureRate > 0, failureRate <= 100 else {
                throw CircuitBreakerSettingsError(field: "failure_rate", reason: "must be a percentage above 0 and at most 100, found \(failureRate)")
            }
            guard minRequests >= 1 else {
                throw CircuitBreakerSettingsError(field: "min_requests", reason: "must be at least 1, found \(minRequests)")
            }
            let window = try Self.positiveDuration(window, field: "window")
            let cooldown = try Self.positiveDuration(cooldown, field: "cooldown")
            let maxCooldown = try Self.positiveDuration(maxCooldown, field: "max_cooldown")
            guard maxCooldown >= cooldown else {
                throw CircuitBreakerSettingsError(field: "max_cooldown", reason: "must be at least cooldown (\(cooldown) s), found \(maxCooldown) s")
            }
            let disableAfter = try Self.positiveDuration(disableAfter, field: "disable_after")
            self.init(
                checkedFailureRate: failureRate, minRequests: minRequests, window: window,
                cooldown: cooldown, maxCooldown: maxCooldown, disableAfter: disableAfter)
        }

        /// Settings from values already in range, as a webhook's `breaker` keys merge to.
        init(
            checkedFailureRate failureRate: Double, minRequests: Int, window: Double,
            cooldown: Double, maxCooldown: Double, disableAfter: Double
        ) {
            self.failureRate = failureRate
            self.minRequests = minRequests
            self.window = window
            self.cooldown = cooldown
            self.maxCooldown = maxCooldown
            self.disableAfter = disableAfter
        }

        private static func positiveDuration(_ seconds: Double, field: String) throws(CircuitBreakerSettingsError) -> Double {
            let checked: Double
            do throws(DurationTextError) {
                checked = try DurationText.seconds(from: seconds)
            } catch {
                throw CircuitBreakerSettingsError(field: field, reason: "must be a duration above 0: \(error)")
            }
            guard checked > 0 else {
                throw CircuitBreakerSettingsError(field: field, reason: "must be a duration above 0, found 0")
            }
            return checked
        }
    }
}
