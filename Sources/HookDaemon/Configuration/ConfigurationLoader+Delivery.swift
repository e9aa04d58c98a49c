import HookCore
import HookNumbers

extension ConfigurationLoader {
    /// `delivery:` — the queue, the retry schedule and the circuit breaker's defaults.
    func readDelivery(_ section: ConfigurationNode, into settings: inout DeliverySettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "queue_path": settings.queuePath = try value.string()
            case "max_queued": settings.maxQueued = try value.integer(in: 1...100_000_000)
            case "max_payload_bytes": settings.maxPayloadBytes = try value.integer(in: 1...(64 << 20))
            case "idempotency_window": settings.idempotencyWindow = try duration(value, in: 1...(30 * 86_400))
            case "retention_days": settings.deliveredRetention = try value.number(in: 0...3650) * 86_400
            case "dead_retention_days": settings.deadRetention = try value.number(in: 0...3650) * 86_400
            case "max_in_flight": settings.maxInFlightPerWebhook = try value.integer(in: 1...1024)
            case "retry": settings.retry = try retrySchedule(value)
            case "breaker": settings.breaker = try breakerSettings(value)
            default:
                throw value.error("unknown key (expected queue_path, max_queued, max_payload_bytes, idempotency_window, "
                                  + "retention_days, dead_retention_days, max_in_flight, retry, breaker)")
            }
        }
    }

    /// `retry: {schedule: [5s, 5m, …]}` or `{max_attempts: N}`, with an optional `max_age`.
    private func retrySchedule(_ section: ConfigurationNode) throws(ConfigurationError) -> RetrySchedule {
        var delays: [Double]?
        var maxAttempts: Int?
        var maxAge: Double?
        for (key, value) in try section.mapping() {
            switch key {
            case "schedule":
                delays = try value.sequence().map { entry throws(ConfigurationError) in try duration(entry, in: 0...(30 * 86_400)) }
            case "max_attempts": maxAttempts = try value.integer(in: 1...RetrySchedule.maximumAttempts)
            case "max_age": maxAge = try duration(value, in: 1...(365 * 86_400))
            default: throw value.error("unknown key (expected schedule, max_attempts, max_age)")
            }
        }
        if delays != nil && maxAttempts != nil { throw section.error("give schedule or max_attempts, not both") }
        do throws(RetryScheduleError) {
            if let delays {
                return try RetrySchedule(delays: delays, maxAge: maxAge)
            }
            return try RetrySchedule(maxAttempts: maxAttempts ?? RetrySchedule.standard.maxAttempts, maxAge: maxAge)
        } catch {
            throw section.error("\(error)")
        }
    }

    /// `breaker: {failure_rate: 70, min_requests: 10, window: 5m, cooldown: 30s, max_cooldown: 30m, disable_after: 5d}`.
    private func breakerSettings(_ section: ConfigurationNode) throws(ConfigurationError) -> CircuitBreaker.Settings {
        let standard = CircuitBreaker.Settings.standard
        var failureRate = standard.failureRate, minRequests = standard.minRequests, window = standard.window
        var cooldown = standard.cooldown, maxCooldown = standard.maxCooldown, disableAfter = standard.disableAfter
        for (key, value) in try section.mapping() {
            switch key {
            case "failure_rate": failureRate = try value.number(in: 1...100)
            case "min_requests": minRequests = try value.integer(in: 1...1_000_000)
            case "window": window = try duration(value, in: 1...86_400)
            case "cooldown": cooldown = try duration(value, in: 0.001...86_400)
            case "max_cooldown": maxCooldown = try duration(value, in: 0.001...(7 * 86_400))
            case "disable_after": disableAfter = try duration(value, in: 1...(365 * 86_400))
            default: throw value.error("unknown key (expected failure_rate, min_requests, window, cooldown, max_cooldown, disable_after)")
            }
        }
        do throws(CircuitBreakerSettingsError) {
            return try CircuitBreaker.Settings(failureRate: failureRate, minRequests: minRequests, window: window,
                                               cooldown: cooldown, maxCooldown: maxCooldown, disableAfter: disableAfter)
        } catch {
            throw section.error("\(error)")
        }
    }

    /// A duration as config writes it: seconds, or a string with a unit (`500ms`, `5s`, `5m`, `2h`, `1d`).
    private func duration(_ node: ConfigurationNode, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let text = try node.string()
        let seconds: Double
        do throws(DurationTextError) {
            seconds = try DurationText.seconds(from: text)
        } catch {
            throw node.error("\(error)")
        }
        guard range.contains(seconds) else {
            func text(_ seconds: Double) -> String {
                seconds == seconds.rounded(.down) ? String(Int64(clamping: seconds, rounding: .down)) : String(seconds)
            }
            throw node.error("must be from \(text(range.lowerBound)) to \(text(range.upperBound)) seconds")
        }
        return seconds
    }
}
