import HookCore
import Testing

extension DeliveryPolicyTests {
    /// A webhook's `breaker` changed by `webhook.upsert`: the breaker takes the new settings from
    /// its next outcome on, without forgetting whether it is open.
    @Suite("CircuitBreaker.adopt")
    struct CircuitBreakerAdoptTests {
        @Test("a lower min_requests applies to the next outcome")
        func lowerMinRequestsOpensSooner() throws {
            var breaker = CircuitBreaker(settings: .standard)
            let early = breaker.record(success: false, now: 0) + breaker.record(success: false, now: 1)
            #expect(early.isEmpty)
            breaker.adopt(try CircuitBreaker.Settings(minRequests: 3))
            #expect(breaker.settings.minRequests == 3)
            let third = breaker.record(success: false, now: 2)
            #expect(third == [.opened(failureRate: 100, requests: 3)])
        }

        @Test("an open breaker stays open with new settings")
        func openStaysOpen() throws {
            var breaker = CircuitBreaker(settings: try CircuitBreaker.Settings(minRequests: 1, cooldown: 10, maxCooldown: 20))
            _ = breaker.record(success: false, now: 0)
            #expect(breaker.state == .open(openedAt: 0, retryAt: 10))
            breaker.adopt(try CircuitBreaker.Settings(minRequests: 5, cooldown: 1, maxCooldown: 2))
            #expect(breaker.state == .open(openedAt: 0, retryAt: 10))
            #expect(breaker.cooldown == 2, "the current wait is brought within the new max_cooldown")
        }

        @Test("a new window length starts the window afresh")
        func newWindowForgetsCounts() throws {
            var breaker = CircuitBreaker(settings: try CircuitBreaker.Settings(minRequests: 3))
            _ = breaker.record(success: false, now: 0)
            _ = breaker.record(success: false, now: 1)
            breaker.adopt(try CircuitBreaker.Settings(minRequests: 3, window: 60))
            let third = breaker.record(success: false, now: 2)
            #expect(third.isEmpty, "one failure in the new window")
        }

        @Test("the same settings change nothing")
        func sameSettings() {
            var breaker = CircuitBreaker(settings: .standard)
            _ = breaker.record(success: false, now: 0)
            let before = breaker
            breaker.adopt(.standard)
            #expect(breaker == before)
        }
    }
}
