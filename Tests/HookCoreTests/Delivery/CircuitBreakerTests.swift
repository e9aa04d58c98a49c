import HookCore
import Testing

extension DeliveryPolicyTests {
    @Suite("CircuitBreaker")
    struct CircuitBreakerTests {
        /// Records `count` outcomes one second apart from `start`; returns every transition.
        @discardableResult
        private func record(_ breaker: inout CircuitBreaker, success: Bool, count: Int, from start: Double) -> [BreakerTransition] {
            var transitions: [BreakerTransition] = []
            for offset in 0..<count {
                transitions += breaker.record(success: success, now: start + Double(offset))
            }
            return transitions
        }

        /// A breaker opened at 9 by ten failures at 0…9 (cooldown 30, so retryAt 39).
        private func openedBreaker() -> CircuitBreaker {
            var breaker = CircuitBreaker()
            record(&breaker, success: false, count: 10, from: 0)
            return breaker
        }

        // MARK: Settings

        @Test("the standard settings are Convoy's and Svix's numbers")
        func standardSettings() throws {
            let settings = CircuitBreaker.Settings.standard
            #expect(settings.failureRate == 70)
            #expect(settings.minRequests == 10)
            #expect(settings.window == 300)
            #expect(settings.cooldown == 30)
            #expect(settings.maxCooldown == 1800)
            #expect(settings.disableAfter == 432_000)
            #expect(try CircuitBreaker.Settings() == settings)
        }

        @Test("settings out of range name their key")
        func invalidSettings() {
            func field(_ make: () throws(CircuitBreakerSettingsError) -> CircuitBreaker.Settings) -> String? {
                do {
                    _ = try make()
                    return nil
                } catch {
                    return error.field
                }
            }
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(failureRate: 0) } == "failure_rate")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(failureRate: 100.5) } == "failure_rate")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(failureRate: .nan) } == "failure_rate")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(minRequests: 0) } == "min_requests")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(window: 0) } == "window")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(window: -300) } == "window")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(cooldown: .infinity) } == "cooldown")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(cooldown: 60, maxCooldown: 30) } == "max_cooldown")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(disableAfter: 0) } == "disable_after")
            #expect(field { () throws(CircuitBreakerSettingsError) in try .init(failureRate: 100, minRequests: 1, cooldown: 30, maxCooldown: 30) } == nil)
            #expect(CircuitBreakerSettingsError(field: "min_requests", reason: "must be at least 1, found 0").description
                == "breaker.min_requests must be at least 1, found 0")
        }

        // MARK: Opening

        @Test("a new breaker is closed and lets attempts through")
        func startsClosed() {
            var breaker = CircuitBreaker()
            #expect(breaker.state == .closed)
            #expect(breaker.permitsAttempt(now: 0) == true)
            #expect(breaker.snapshot == BreakerSnapshot(state: "closed"))
        }

        @Test("below min_requests it never opens, however many fail")
        func belowMinRequests() {
            var breaker = CircuitBreaker()
            #expect(record(&breaker, success: false, count: 9, from: 0) == [])
            #expect(breaker.state == .closed)
        }

        @Test("exactly 70 % of exactly 10 requests opens it")
        func opensAtThreshold() {
            var breaker = CircuitBreaker()
            #expect(record(&breaker, success: true, count: 3, from: 0) == [])
            #expect(record(&breaker, success: false, count: 6, from: 3) == [])
            #expect(breaker.record(success: false, now: 9) == [.opened(failureRate: 70, requests: 10)])
            #expect(breaker.state == .open(openedAt: 9, retryAt: 39))
            #expect(breaker.snapshot == BreakerSnapshot(state: "open", openedAt: 9, retryAt: 39))
        }

        @Test("just below the rate it stays closed; the next failure opens it")
        func belowRate() {
            var breaker = CircuitBreaker()
            record(&breaker, success: true, count: 4, from: 0)
            // 9 failures of 13 requests: 69.2 %.
            #expect(record(&breaker, success: false, count: 9, from: 4) == [])
            #expect(breaker.state == .closed)
            // 10 of 14: 71.4 %.
            #expect(breaker.record(success: false, now: 13) == [.opened(failureRate: 1000.0 / 14, requests: 14)])
        }

        @Test("a success does not open it, even with the rate above the threshold")
        func successDoesNotOpen() throws {
            var breaker = CircuitBreaker(settings: try .init(minRequests: 10))
            record(&breaker, success: false, count: 9, from: 0)
            // 9 of 10 failed, but the tenth request succeeded.
            #expect(breaker.record(success: true, now: 9) == [])
            #expect(breaker.state == .closed)
            #expect(breaker.record(success: false, now: 10) == [.opened(failureRate: 1000.0 / 11, requests: 11)])
        }

        @Test("failures that left the window are forgotten")
        func windowSlides() {
            // Buckets of 10 s: failures at 0…8 fall in bucket 0, which leaves the window at 300.
            var forgotten = CircuitBreaker()
            record(&forgotten, success: false, count: 9, from: 0)
            #expect(forgotten.record(success: false, now: 300) == [])
            #expect(forgotten.state == .closed)

            var remembered = CircuitBreaker()
            record(&remembered, success: false, count: 9, from: 0)
            #expect(remembered.record(success: false, now: 299) == [.opened(failureRate: 100, requests: 10)])
        }

        @Test("successes leave the window too")
        func successesSlideOut() {
            var breaker = CircuitBreaker()
            // 20 successes at 0…19: buckets 0 and 1 (10 s each).
            record(&breaker, success: true, count: 20, from: 0)
            // From 310 the window is buckets 2…31: the successes are gone, 10 failures alone open it.
            #expect(record(&breaker, success: false, count: 10, from: 310) == [.opened(failureRate: 100, requests: 10)])
        }

        @Test("an outcome older than the window (a clock stepped back) is not counted")
        func outcomeOlderThanWindow() {
            var breaker = CircuitBreaker()
            record(&breaker, success: false, count: 9, from: 1000)
            #expect(breaker.record(success: false, now: 0) == [])
            #expect(breaker.state == .closed)
            #expect(breaker.record(success: false, now: 1009) == [.opened(failureRate: 100, requests: 10)])
        }

        @Test("a million requests are counted right in the fixed ring of buckets")
        func manyRequests() {
            var breaker = CircuitBreaker()
            var transitions: [BreakerTransition] = []
            // 1000 requests a second for 1000 s, every other one failing: 50 %, never open.
            for index in 0..<1_000_000 {
                transitions += breaker.record(success: index % 2 == 0, now: Double(index) / 1000)
            }
            #expect(transitions.isEmpty)
            #expect(breaker.state == .closed)
            // At 1000 s the window holds buckets 71…100: t 710 s to 1000 s, 290 000 requests of
            // which 145 000 failed. n more failures open it when (145 000 + n) × 100 ≥ 70 ×
            // (290 000 + n), that is from n = 193 334.
            var extra = 0
            while transitions.isEmpty, extra < 300_000 {
                extra += 1
                transitions = breaker.record(success: false, now: 1000)
            }
            #expect(extra == 193_334)
            #expect(transitions == [.opened(failureRate: Double(145_000 + 193_334) * 100 / Double(290_000 + 193_334), requests: 483_334)])
        }

        // MARK: Open and half-open

        @Test("open, it refuses attempts until retryAt, then lets exactly one probe through")
        func halfOpenSingleProbe() {
            var breaker = openedBreaker()
            #expect(breaker.permitsAttempt(now: 10) == false)
            #expect(breaker.permitsAttempt(now: 38.9) == false)
            var transitions: [BreakerTransition] = []
            #expect(breaker.permitsAttempt(now: 39, transitions: &transitions) == true)
            #expect(transitions == [.halfOpened])
            #expect(breaker.state == .halfOpen)
            #expect(breaker.snapshot == BreakerSnapshot(state: "half_open", openedAt: 9))
            #expect(breaker.permitsAttempt(now: 40, transitions: &transitions) == false)
            #expect(breaker.permitsAttempt(now: 500) == false)
            #expect(transitions == [.halfOpened])
        }

        @Test("outcomes arriving while open are counted but change nothing")
        func lateOutcomesWhileOpen() {
            var breaker = openedBreaker()
            #expect(breaker.record(success: true, now: 12) == [])
            #expect(breaker.record(success: false, now: 13) == [])
            #expect(breaker.state == .open(openedAt: 9, retryAt: 39))
        }

        @Test("a successful probe closes it, resets the counts and the cooldown")
        func probeSuccessCloses() {
            var breaker = openedBreaker()
            #expect(breaker.permitsAttempt(now: 39) == true)
            #expect(breaker.record(success: false, now: 40) == [.opened(failureRate: 100, requests: 11)])
            #expect(breaker.cooldown == 60)
            #expect(breaker.permitsAttempt(now: 100) == true)
            #expect(breaker.record(success: true, now: 101) == [.closed])
            #expect(breaker.state == .closed)
            #expect(breaker.cooldown == 30)
            #expect(breaker.snapshot == BreakerSnapshot(state: "closed"))
            // The window was emptied: nine fresh failures do not open it (with the old 11 they would).
            #expect(record(&breaker, success: false, count: 9, from: 102) == [])
            // The tenth does, with the base cooldown again.
            #expect(breaker.record(success: false, now: 111) == [.opened(failureRate: 100, requests: 10)])
            #expect(breaker.state == .open(openedAt: 111, retryAt: 141))
        }

        @Test("each failed probe doubles the cooldown, up to max_cooldown")
        func cooldownDoublesToCap() {
            var breaker = openedBreaker()
            var now = 39.0
            var waits: [Double] = []
            for _ in 0..<8 {
                #expect(breaker.permitsAttempt(now: now) == true)
                let transitions = breaker.record(success: false, now: now + 1)
                #expect(transitions.count == 1)
                guard case .open(let openedAt, let retryAt) = breaker.state else {
                    Issue.record("not open after a failed probe: \(breaker.state)")
                    return
                }
                #expect(openedAt == 9)
                waits.append(retryAt - (now + 1))
                #expect(breaker.permitsAttempt(now: retryAt - 0.5) == false)
                now = retryAt
            }
            #expect(waits == [60, 120, 240, 480, 960, 1800, 1800, 1800])
        }

        @Test("a probe given back lets the next attempt probe")
        func releaseProbe() {
            var breaker = openedBreaker()
            #expect(breaker.permitsAttempt(now: 39) == true)
            #expect(breaker.permitsAttempt(now: 40) == false)
            breaker.releaseProbe()
            #expect(breaker.state == .halfOpen)
            #expect(breaker.permitsAttempt(now: 41) == true)
            #expect(breaker.permitsAttempt(now: 42) == false)
        }

        @Test("releasing outside half-open changes nothing")
        func releaseProbeElsewhere() {
            var closed = CircuitBreaker()
            closed.releaseProbe()
            #expect(closed == CircuitBreaker())
            var open = openedBreaker()
            open.releaseProbe()
            #expect(open.state == .open(openedAt: 9, retryAt: 39))
        }

        // MARK: Disabling

        @Test("5 days of only failures disable it")
        func disablesAfterFiveDays() {
            var breaker = CircuitBreaker()
            #expect(breaker.record(success: false, now: 1000) == [])
            #expect(breaker.failingSince == 1000)
            #expect(breaker.record(success: false, now: 1000 + 431_999) == [])
            #expect(breaker.record(success: false, now: 1000 + 432_000) == [.disabled])
            #expect(breaker.state == .disabled)
            #expect(breaker.snapshot == BreakerSnapshot(state: "disabled"))
            #expect(breaker.permitsAttempt(now: 1000 + 432_001) == false)
            #expect(breaker.permitsAttempt(now: 1000 + 10_000_000) == false)
            #expect(breaker.record(success: true, now: 1000 + 432_002) == [])
            #expect(breaker.state == .disabled)
        }

        @Test("a breaker failing its probes for 5 days ends disabled")
        func disablesWhileProbing() {
            var breaker = openedBreaker()
            var now = 39.0
            var last: [BreakerTransition] = []
            for _ in 0..<1000 where breaker.state != .disabled {
                #expect(breaker.permitsAttempt(now: now) == true)
                last = breaker.record(success: false, now: now)
                if case .open(_, let retryAt) = breaker.state { now = retryAt }
            }
            #expect(last == [.disabled])
            #expect(now >= 432_000)
            #expect(now < 432_000 + 1800)
        }

        @Test("a success in between restarts the 5 days")
        func successRestartsDisableClock() {
            var breaker = CircuitBreaker()
            #expect(breaker.record(success: false, now: 0) == [])
            #expect(breaker.record(success: true, now: 100) == [])
            #expect(breaker.failingSince == nil)
            #expect(breaker.record(success: false, now: 200) == [])
            #expect(breaker.failingSince == 200)
            #expect(breaker.record(success: false, now: 432_000) == [])
            #expect(breaker.state == .closed)
            #expect(breaker.record(success: false, now: 432_199) == [])
            #expect(breaker.record(success: false, now: 432_200) == [.disabled])
        }

        @Test("a late success while open also restarts the 5 days")
        func lateSuccessWhileOpen() {
            var breaker = openedBreaker()
            #expect(breaker.record(success: true, now: 20) == [])
            #expect(breaker.failingSince == nil)
        }

        // MARK: Reset

        @Test("reset re-enables a disabled breaker with no history")
        func resetDisabled() throws {
            let settings = try CircuitBreaker.Settings(disableAfter: 60)
            var breaker = CircuitBreaker(settings: settings)
            _ = breaker.record(success: false, now: 0)
            #expect(breaker.record(success: false, now: 60) == [.disabled])
            #expect(breaker.reset(now: 100) == [.closed])
            #expect(breaker == CircuitBreaker(settings: settings))
            #expect(breaker.permitsAttempt(now: 100) == true)
            #expect(breaker.failingSince == nil)
            // The failures before the reset do not count toward disabling again.
            #expect(breaker.record(success: false, now: 120) == [])
        }

        @Test("reset closes an open breaker and restores the base cooldown")
        func resetOpen() {
            var breaker = openedBreaker()
            #expect(breaker.permitsAttempt(now: 39) == true)
            _ = breaker.record(success: false, now: 40)
            #expect(breaker.cooldown == 60)
            #expect(breaker.reset(now: 50) == [.closed])
            #expect(breaker.state == .closed)
            #expect(breaker.cooldown == 30)
        }

        @Test("reset of a closed breaker reports no transition")
        func resetClosed() {
            var breaker = CircuitBreaker()
            _ = breaker.record(success: false, now: 0)
            #expect(breaker.reset(now: 1) == [])
            #expect(breaker.failingSince == nil)
        }

        @Test("state names are the ones delivery.stats shows")
        func stateNames() {
            #expect(BreakerState.closed.name == "closed")
            #expect(BreakerState.open(openedAt: 0, retryAt: 1).name == "open")
            #expect(BreakerState.halfOpen.name == "half_open")
            #expect(BreakerState.disabled.name == "disabled")
        }
    }
}
