@testable import HookDaemon
import HookCore
import Testing

/// `delivery.retry`, `delivery.breaker` and `delivery.max_in_flight`, read by the same code as a
/// webhook's own settings: the same values accepted, refusals at the key and line of the file.
struct DeliveryConfigurationTests {
    let loader = ConfigurationLoader(environment: ["COOLDOWN": "45s"], daemonUserID: 990)

    private func delivery(_ yaml: String) throws(ConfigurationError) -> DeliverySettings {
        try loader.parse("delivery:\n" + yaml, file: "hookd.yaml").delivery
    }

    private func refusal(_ yaml: String) -> ConfigurationError? {
        #expect(throws: ConfigurationError.self) { try loader.parse("delivery:\n" + yaml, file: "hookd.yaml") }
    }

    @Test func withoutADeliverySectionTheStandardScheduleBreakerAndSlotsApply() throws {
        let settings = try loader.parse("", file: "hookd.yaml").delivery
        #expect(settings.retry == .standard)
        #expect(settings.breaker == .standard)
        #expect(settings.maxInFlightPerWebhook == 8)
    }

    @Test func scheduleMaxAgeSlotsAndEveryBreakerKeyAreRead() throws {
        let settings = try delivery("""
              max_in_flight: 4
              retry:
                schedule: [500ms, 1s, 2m]
                max_age: 1h
              breaker:
                failure_rate: 50
                min_requests: 4
                window: 1m
                cooldown: ${COOLDOWN}
                max_cooldown: 2m
                disable_after: 1d
            """)
        #expect(settings.maxInFlightPerWebhook == 4)
        #expect(settings.retry.delays == [0.5, 1, 120])
        #expect(settings.retry.maxAge == 3600)
        #expect(settings.breaker == (try CircuitBreaker.Settings(
            failureRate: 50, minRequests: 4, window: 60, cooldown: 45, maxCooldown: 120, disableAfter: 86_400)))
    }

    @Test func maxAttemptsCutsTheStandardSchedule() throws {
        let settings = try delivery("  retry:\n    max_attempts: 3\n")
        #expect(settings.retry.delays == [5, 300])
    }

    @Test func breakerKeysLeftOutKeepTheStandardOnes() throws {
        let settings = try delivery("  breaker:\n    min_requests: 3\n")
        #expect(settings.breaker.minRequests == 3)
        #expect(settings.breaker.failureRate == CircuitBreaker.Settings.standard.failureRate)
        #expect(settings.breaker.window == CircuitBreaker.Settings.standard.window)
    }

    @Test func aBadScheduleEntryIsRefusedAtItsKeyAndLine() {
        let error = refusal("  retry:\n    schedule:\n      - 5s\n      - 5 minutes\n")
        #expect(error?.key == "delivery.retry.schedule[1]")
        #expect(error?.line == 5)
        #expect(error?.problem.contains("5 minutes") == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("  breaker:\n    failure_rate: 170\n", "delivery.breaker.failure_rate", 3),
        ("  breaker:\n    windw: 1m\n", "delivery.breaker.windw", 3),
        ("  breaker:\n    cooldown: 1m\n    max_cooldown: 30s\n", "delivery.breaker.max_cooldown", 4),
        ("  retry:\n    schedule: [5s]\n    max_attempts: 3\n", "delivery.retry", 2),
        ("  retry:\n    max_age: soon\n", "delivery.retry.max_age", 3),
        ("  max_in_flight: 0\n", "delivery.max_in_flight", 2),
    ])
    func refusalsNameTheKeyAndLine(yaml: String, key: String, line: Int) {
        let error = refusal(yaml)
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.line == line, "\(String(describing: error))")
    }

    @Test func aWebhooksOwnSettingsAreMergedOverTheConfiguredOnes() throws {
        let settings = try delivery("  retry:\n    schedule: [10s, 20s]\n    max_age: 1d\n  breaker:\n    min_requests: 50\n")
        let own = try WebhookDefinition(json: [
            "code": "X", "auth_type": "none", "url": "https://example.test", "retry": ["schedule": ["200ms"]], "breaker": ["cooldown": 5],
        ]).webhook.delivery
        let schedule = own.retry.schedule(over: settings.retry)
        #expect(schedule.delays == [0.2])
        #expect(schedule.maxAge == 86_400)
        let breaker = own.breaker.settings(over: settings.breaker)
        #expect(breaker.minRequests == 50)
        #expect(breaker.cooldown == 5)
    }
}
