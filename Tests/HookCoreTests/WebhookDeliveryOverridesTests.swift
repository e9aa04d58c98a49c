import HookCore
import HookJSON
import Testing

/// A webhook's own delivery settings in its definition: `retry`, `breaker`, `max_in_flight`,
/// `rate_per_second` (issue 12). What is accepted, what it means over the global settings, and
/// that every refusal names its field.
@Suite("WebhookDefinition delivery settings")
struct WebhookDeliveryOverridesTests {
    static func webhook(_ changes: JSONObject) throws -> Webhook {
        try WebhookDefinition(json: WebhookDefinitionTests.definition(setting: changes)).webhook
    }

    // MARK: - Accepted

    @Test("left out, nothing is overridden and webhook.get shows {} and null")
    func absentMeansInherited() throws {
        let webhook = try Self.webhook([:])
        #expect(webhook.delivery.isEmpty)
        let json = try #require(webhook.json.objectValue)
        #expect(json["retry"] == .object([:]))
        #expect(json["breaker"] == .object([:]))
        #expect(json["max_in_flight"] == .null)
        #expect(json["rate_per_second"] == .null)
    }

    @Test("retry.schedule takes seconds and strings with units")
    func retrySchedule() throws {
        let webhook = try Self.webhook(["retry": ["schedule": ["200ms", 5, "1.5m", "2h"], "max_age": "1d"]])
        #expect(webhook.delivery.retry.attempts == .schedule([0.2, 5, 90, 7200]))
        #expect(webhook.delivery.retry.maxAge == 86_400)
    }

    @Test("an empty retry.schedule means a single attempt")
    func emptySchedule() throws {
        let webhook = try Self.webhook(["retry": ["schedule": []]])
        #expect(webhook.delivery.retry.schedule(over: .standard).maxAttempts == 1)
    }

    @Test("retry.max_attempts cuts the global schedule short or extends it by its last delay")
    func retryMaxAttempts() throws {
        let global = try RetrySchedule(delays: [1, 2], maxAge: 600)
        let cut = try Self.webhook(["retry": ["max_attempts": 2]]).delivery.retry.schedule(over: global)
        #expect(cut.delays == [1])
        #expect(cut.maxAge == 600, "max_age is inherited when not given")
        let extended = try Self.webhook(["retry": ["max_attempts": 5.0]]).delivery.retry.schedule(over: global)
        #expect(extended.delays == [1, 2, 2, 2])
    }

    @Test("a webhook's schedule replaces the global delays and keeps the global max_age unless it has its own")
    func retryScheduleOverGlobal() throws {
        let global = try RetrySchedule(delays: [5, 300], maxAge: 3600)
        let own = try Self.webhook(["retry": ["schedule": ["200ms"]]]).delivery.retry.schedule(over: global)
        #expect(own.delays == [0.2])
        #expect(own.maxAge == 3600)
        let ageOnly = try Self.webhook(["retry": ["max_age": 60]]).delivery.retry.schedule(over: global)
        #expect(ageOnly.delays == [5, 300])
        #expect(ageOnly.maxAge == 60)
    }

    @Test("breaker keys override the global settings one by one")
    func breakerMerge() throws {
        let global = try CircuitBreaker.Settings(failureRate: 50, minRequests: 20, window: 60, cooldown: 2, maxCooldown: 10, disableAfter: 3600)
        let webhook = try Self.webhook(["breaker": ["min_requests": 3, "window": "2m"]])
        let merged = webhook.delivery.breaker.settings(over: global)
        #expect(merged.minRequests == 3)
        #expect(merged.window == 120)
        #expect(merged.failureRate == 50)
        #expect(merged.cooldown == 2)
        #expect(merged.maxCooldown == 10)
        #expect(merged.disableAfter == 3600)
    }

    @Test("every breaker key is read")
    func everyBreakerKey() throws {
        let webhook = try Self.webhook(["breaker": [
            "failure_rate": 55.5, "min_requests": 4, "window": 30, "cooldown": "500ms", "max_cooldown": "1m", "disable_after": "2d",
        ]])
        #expect(webhook.delivery.breaker == DeliveryOverrides.Breaker(
            failureRate: 55.5, minRequests: 4, window: 30, cooldown: 0.5, maxCooldown: 60, disableAfter: 172_800))
    }

    @Test("a cooldown above the global max_cooldown raises max_cooldown to it")
    func cooldownRaisesMaxCooldown() throws {
        let merged = try Self.webhook(["breaker": ["cooldown": "1h"]]).delivery.breaker.settings(over: .standard)
        #expect(merged.cooldown == 3600)
        #expect(merged.maxCooldown == 3600)
    }

    @Test("max_in_flight and rate_per_second are read; a fractional rate is allowed")
    func slotsAndRate() throws {
        let webhook = try Self.webhook(["max_in_flight": 1, "rate_per_second": 0.5])
        #expect(webhook.delivery.maxInFlight == 1)
        #expect(webhook.delivery.ratePerSecond == 0.5)
        let json = try #require(webhook.json.objectValue)
        #expect(json["max_in_flight"] == 1)
        #expect(json["rate_per_second"] == 0.5)
    }

    @Test("null means not overridden")
    func nullIsInherited() throws {
        let webhook = try Self.webhook(["retry": .null, "breaker": .null, "max_in_flight": .null, "rate_per_second": .null])
        #expect(webhook.delivery.isEmpty)
    }

    @Test("webhook.get's form re-imports as the same webhook")
    func roundTrip() throws {
        let original = try Self.webhook([
            "retry": ["schedule": ["200ms", "5s"], "max_age": "2h"], "breaker": ["min_requests": 3, "cooldown": "1s"],
            "max_in_flight": 2, "rate_per_second": 2.5,
        ])
        let object = try #require(original.json.objectValue)
        #expect(try WebhookDefinition(json: object).webhook == original)
        let stored = try DeliveryOverrides(json: original.delivery.json)
        #expect(stored == original.delivery, "the registry's stored form reads back the same")
    }

    @Test("the stored form holds the overridden fields only")
    func storedForm() throws {
        #expect(DeliveryOverrides().json.isEmpty)
        let webhook = try Self.webhook(["retry": ["max_attempts": 3], "rate_per_second": 5])
        #expect(JSONValue.object(webhook.delivery.json) == ["retry": ["max_attempts": 3], "rate_per_second": 5])
    }

    // MARK: - Refused

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var changes: JSONObject
        var field: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "retry that is not an object", changes: ["retry": ["5s"]], field: "retry"),
        Refusal(name: "unknown retry key", changes: ["retry": ["delays": ["5s"]]], field: "retry.delays"),
        Refusal(name: "schedule and max_attempts together", changes: ["retry": ["schedule": ["5s"], "max_attempts": 2]], field: "retry"),
        Refusal(name: "schedule that is not a list", changes: ["retry": ["schedule": "5s"]], field: "retry.schedule"),
        Refusal(name: "schedule entry with an unknown unit", changes: ["retry": ["schedule": ["5s", "5 minutes"]]], field: "retry.schedule[1]"),
        Refusal(name: "negative schedule entry", changes: ["retry": ["schedule": [-1]]], field: "retry.schedule[0]"),
        Refusal(name: "schedule entry over 30 days", changes: ["retry": ["schedule": ["5s", "5m", "31d"]]], field: "retry.schedule[2]"),
        Refusal(name: "schedule entry that is a boolean", changes: ["retry": ["schedule": [true]]], field: "retry.schedule[0]"),
        Refusal(name: "schedule of 100 delays", changes: ["retry": ["schedule": .array(Array(repeating: 1, count: 100))]], field: "retry.schedule"),
        Refusal(name: "max_attempts 0", changes: ["retry": ["max_attempts": 0]], field: "retry.max_attempts"),
        Refusal(name: "max_attempts 101", changes: ["retry": ["max_attempts": 101]], field: "retry.max_attempts"),
        Refusal(name: "fractional max_attempts", changes: ["retry": ["max_attempts": 2.5]], field: "retry.max_attempts"),
        Refusal(name: "max_attempts as text", changes: ["retry": ["max_attempts": "3"]], field: "retry.max_attempts"),
        Refusal(name: "max_age 0", changes: ["retry": ["max_age": 0]], field: "retry.max_age"),
        Refusal(name: "max_age that is not a duration", changes: ["retry": ["max_age": "soon"]], field: "retry.max_age"),
        Refusal(name: "breaker that is not an object", changes: ["breaker": 3], field: "breaker"),
        Refusal(name: "unknown breaker key", changes: ["breaker": ["threshold": 50]], field: "breaker.threshold"),
        Refusal(name: "failure_rate over 100", changes: ["breaker": ["failure_rate": 101]], field: "breaker.failure_rate"),
        Refusal(name: "failure_rate 0", changes: ["breaker": ["failure_rate": 0]], field: "breaker.failure_rate"),
        Refusal(name: "failure_rate as text", changes: ["breaker": ["failure_rate": "70%"]], field: "breaker.failure_rate"),
        Refusal(name: "min_requests 0", changes: ["breaker": ["min_requests": 0]], field: "breaker.min_requests"),
        Refusal(name: "fractional min_requests", changes: ["breaker": ["min_requests": 1.5]], field: "breaker.min_requests"),
        Refusal(name: "window 0", changes: ["breaker": ["window": 0]], field: "breaker.window"),
        Refusal(name: "window over a day", changes: ["breaker": ["window": "2d"]], field: "breaker.window"),
        Refusal(name: "cooldown 0", changes: ["breaker": ["cooldown": "0s"]], field: "breaker.cooldown"),
        Refusal(name: "max_cooldown over 7 days", changes: ["breaker": ["max_cooldown": "8d"]], field: "breaker.max_cooldown"),
        Refusal(name: "max_cooldown below cooldown", changes: ["breaker": ["cooldown": "1m", "max_cooldown": "30s"]], field: "breaker.max_cooldown"),
        Refusal(name: "disable_after that is a list", changes: ["breaker": ["disable_after": ["5d"]]], field: "breaker.disable_after"),
        Refusal(name: "max_in_flight 0", changes: ["max_in_flight": 0], field: "max_in_flight"),
        Refusal(name: "max_in_flight over 1024", changes: ["max_in_flight": 1025], field: "max_in_flight"),
        Refusal(name: "fractional max_in_flight", changes: ["max_in_flight": 1.5], field: "max_in_flight"),
        Refusal(name: "max_in_flight as text", changes: ["max_in_flight": "8"], field: "max_in_flight"),
        Refusal(name: "rate_per_second 0", changes: ["rate_per_second": 0], field: "rate_per_second"),
        Refusal(name: "negative rate_per_second", changes: ["rate_per_second": -2], field: "rate_per_second"),
        Refusal(name: "rate_per_second over 100000", changes: ["rate_per_second": 100_001], field: "rate_per_second"),
        Refusal(name: "rate_per_second as text", changes: ["rate_per_second": "5/s"], field: "rate_per_second"),
    ]

    @Test("every refusal names the field that is wrong", arguments: refusals)
    func refusalNamesItsField(_ refusal: Refusal) {
        let object = WebhookDefinitionTests.definition(setting: refusal.changes)
        let error = #expect(throws: WebhookValidationError.self) { try WebhookDefinition(json: object) }
        #expect(error?.field == refusal.field, "\(String(describing: error))")
    }

    @Test("a refusal says what would be accepted")
    func refusalExplains() throws {
        let object = WebhookDefinitionTests.definition(setting: ["retry": ["schedule": ["5s", "5 minutes"]]])
        let error = try #require(throws: WebhookValidationError.self) { try WebhookDefinition(json: object) }
        #expect(error.description.contains("retry.schedule[1]"))
        #expect(error.description.contains("5 minutes"))
        #expect(error.description.contains("500ms, 5s, 5m, 2h, 1d"))
    }

    @Test("the stored form refuses members that are not delivery settings")
    func storedFormRefusesOthers() {
        let error = #expect(throws: WebhookValidationError.self) { try DeliveryOverrides(json: ["signing": "standard_webhooks"]) }
        #expect(error?.field == "signing")
    }
}
