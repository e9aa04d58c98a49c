import HookCore
import Testing

extension DeliveryPolicyTests {
    @Suite("RetrySchedule")
    struct RetryScheduleTests {
        /// Attempt 1 at 1000; the tests fail attempts at later times.
        let first = 1000.0

        // MARK: Shape

        @Test("the standard schedule is Svix's: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h, ±20 %, no age limit")
        func standardSchedule() {
            #expect(RetrySchedule.standardDelays == [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
            #expect(RetrySchedule.jitterFraction == 0.2)
            #expect(RetrySchedule.standard.delays == RetrySchedule.standardDelays)
            #expect(RetrySchedule.standard.maxAge == nil)
            #expect(RetrySchedule.standard.maxAttempts == 8)
        }

        @Test("max_attempts cuts the standard delays or repeats the last", arguments: [
            (1, [Double]()), (2, [5.0]), (3, [5.0, 300.0]),
            (8, [5.0, 300, 1800, 7200, 18_000, 36_000, 36_000]),
            (10, [5.0, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000]),
        ])
        func maxAttemptsDerivesDelays(maxAttempts: Int, delays: [Double]) throws {
            let schedule = try RetrySchedule(maxAttempts: maxAttempts)
            #expect(schedule.delays == delays)
            #expect(schedule.maxAttempts == maxAttempts)
        }

        @Test("max_attempts 1 never retries")
        func oneAttemptNeverRetries() throws {
            let schedule = try RetrySchedule(maxAttempts: 1)
            var generator = SeededGenerator(seed: 1)
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 1, firstAttemptAt: first, now: first, retryAfter: nil, using: &generator) == nil)
        }

        @Test("max_attempts must be from 1 to 100")
        func maxAttemptsRange() throws {
            #expect(throws: RetryScheduleError.tooFewAttempts(0)) { try RetrySchedule(maxAttempts: 0) }
            #expect(throws: RetryScheduleError.tooFewAttempts(-3)) { try RetrySchedule(maxAttempts: -3) }
            #expect(throws: RetryScheduleError.tooManyAttempts(101)) { try RetrySchedule(maxAttempts: 101) }
            #expect(try RetrySchedule(maxAttempts: 100).delays.count == 99)
        }

        @Test("a schedule of n delays makes n + 1 attempts, at most 100")
        func delaysCount() throws {
            #expect(try RetrySchedule(delays: [1, 2, 3]).maxAttempts == 4)
            #expect(try RetrySchedule(delays: []).maxAttempts == 1)
            #expect(try RetrySchedule(delays: Array(repeating: 1, count: 99)).maxAttempts == 100)
            #expect(throws: RetryScheduleError.tooManyAttempts(101)) {
                try RetrySchedule(delays: Array(repeating: 1, count: 100))
            }
        }

        @Test("a delay or max_age that is not a duration is refused, naming its place")
        func invalidDurations() {
            #expect(throws: RetryScheduleError.invalidDelay(index: 1, DurationTextError(text: "-1.0", problem: .negative))) {
                try RetrySchedule(delays: [5, -1])
            }
            #expect(throws: RetryScheduleError.invalidDelay(index: 0, DurationTextError(text: "nan", problem: .notFinite))) {
                try RetrySchedule(delays: [.nan])
            }
            #expect(throws: RetryScheduleError.invalidMaxAge(DurationTextError(text: "inf", problem: .notFinite))) {
                try RetrySchedule(delays: [5], maxAge: .infinity)
            }
            #expect(throws: RetryScheduleError.invalidMaxAge(DurationTextError(text: "-60.0", problem: .negative))) {
                try RetrySchedule(maxAttempts: 3, maxAge: -60)
            }
            #expect(RetryScheduleError.invalidDelay(index: 1, DurationTextError(text: "-1.0", problem: .negative)).description
                .hasPrefix("schedule[1]: duration '-1.0' is negative"))
        }

        // MARK: Jitter

        @Test("the lowest draw waits 0.8 × the delay, the highest 1.2 ×", arguments: [(1, 5.0), (2, 300.0), (3, 1800.0), (7, 36_000.0)])
        func jitterBoundsExactly(number: Int, nominal: Double) throws {
            let schedule = RetrySchedule.standard
            let now = first + 50
            var lowest = ConstantGenerator.lowest
            var highest = ConstantGenerator.highest
            #expect(schedule.nextAttemptTime(afterFailedAttempt: number, firstAttemptAt: first, now: now, retryAfter: nil, using: &lowest)
                == now + nominal * (1 - 0.2))
            #expect(schedule.nextAttemptTime(afterFailedAttempt: number, firstAttemptAt: first, now: now, retryAfter: nil, using: &highest)
                == now + nominal * (1 + 0.2))
        }

        @Test("seeded draws stay within ±20 % of each delay and spread across it")
        func jitterSpread() throws {
            let schedule = RetrySchedule.standard
            var generator = SeededGenerator(seed: 0x5EED)
            for (index, nominal) in RetrySchedule.standardDelays.enumerated() {
                var delays: [Double] = []
                for _ in 0..<1000 {
                    let next = try #require(schedule.nextAttemptTime(
                        afterFailedAttempt: index + 1, firstAttemptAt: first, now: first, retryAfter: nil, using: &generator))
                    delays.append(next - first)
                }
                let shortest = try #require(delays.min())
                let longest = try #require(delays.max())
                #expect(shortest >= nominal * 0.8)
                #expect(longest <= nominal * 1.2)
                #expect(shortest < nominal * 0.82)
                #expect(longest > nominal * 1.18)
                #expect(Set(delays).count > 990)
            }
        }

        @Test("the same seed gives the same schedule")
        func seededIsReproducible() {
            var one = SeededGenerator(seed: 42)
            var other = SeededGenerator(seed: 42)
            let schedule = RetrySchedule.standard
            for number in 1...7 {
                let a = schedule.nextAttemptTime(afterFailedAttempt: number, firstAttemptAt: first, now: first, retryAfter: nil, using: &one)
                let b = schedule.nextAttemptTime(afterFailedAttempt: number, firstAttemptAt: first, now: first, retryAfter: nil, using: &other)
                #expect(a == b)
            }
        }

        // MARK: Which attempt

        @Test("the last attempt of the schedule has no next one")
        func exhausted() {
            var generator = ConstantGenerator.lowest
            let schedule = RetrySchedule.standard
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 7, firstAttemptAt: first, now: first, retryAfter: nil, using: &generator)
                == first + 36_000 * (1 - 0.2))
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 8, firstAttemptAt: first, now: first, retryAfter: nil, using: &generator) == nil)
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 9, firstAttemptAt: first, now: first, retryAfter: 10, using: &generator) == nil)
        }

        @Test("attempt numbers below 1 count as the first")
        func numbersBelowOne() {
            var generator = ConstantGenerator.lowest
            #expect(RetrySchedule.standard.nextAttemptTime(afterFailedAttempt: 0, firstAttemptAt: first, now: first, retryAfter: nil, using: &generator)
                == first + 5 * (1 - 0.2))
        }

        @Test("a custom schedule uses its own delays, a zero delay retries at once")
        func customDelays() throws {
            let schedule = try RetrySchedule(delays: [0, 1, 2])
            var generator = ConstantGenerator.highest
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 1, firstAttemptAt: 0, now: 10, retryAfter: nil, using: &generator) == 10)
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 3, firstAttemptAt: 0, now: 10, retryAfter: nil, using: &generator) == 10 + 2 * (1 + 0.2))
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 4, firstAttemptAt: 0, now: 10, retryAfter: nil, using: &generator) == nil)
        }

        // MARK: Retry-After

        @Test("Retry-After replaces the jitter, clamped to [nominal, 2 × nominal]", arguments: [
            (10.0, 300.0), (299.0, 300.0), (300.0, 300.0), (450.0, 450.0), (600.0, 600.0), (601.0, 600.0),
            (86_400.0, 600.0), (0.0, 300.0), (-5.0, 300.0), (Double.infinity, 600.0),
        ])
        func retryAfterClamped(retryAfter: Double, delay: Double) {
            // Attempt 2 failed; the nominal delay before attempt 3 is 300 s. A draw would give 0.8 ×.
            var generator = ConstantGenerator.lowest
            let now = first + 10
            #expect(RetrySchedule.standard.nextAttemptTime(afterFailedAttempt: 2, firstAttemptAt: first, now: now, retryAfter: retryAfter, using: &generator)
                == now + delay)
        }

        @Test("a NaN Retry-After is ignored for the jittered delay")
        func nanRetryAfter() {
            var generator = ConstantGenerator.highest
            #expect(RetrySchedule.standard.nextAttemptTime(afterFailedAttempt: 1, firstAttemptAt: first, now: first, retryAfter: .nan, using: &generator)
                == first + 5 * (1 + 0.2))
        }

        // MARK: max_age

        @Test("no retry when the nominal next time passes max_age; exactly at it is allowed")
        func maxAgeCut() throws {
            let schedule = try RetrySchedule(delays: [5, 300], maxAge: 310)
            var generator = ConstantGenerator.lowest
            // Attempt 2 failed at first + 10: the next would be at first + 310, the limit itself.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 2, firstAttemptAt: first, now: first + 10, retryAfter: nil, using: &generator)
                == first + 10 + 300 * (1 - 0.2))
            // A second later it would pass it.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 2, firstAttemptAt: first, now: first + 11, retryAfter: nil, using: &generator) == nil)
            // Even when Retry-After asks for less.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 2, firstAttemptAt: first, now: first + 11, retryAfter: 1, using: &generator) == nil)
        }

        @Test("jitter never takes a retry past max_age")
        func maxAgeCutsJitter() throws {
            let schedule = try RetrySchedule(delays: [5, 300], maxAge: 320)
            var highest = ConstantGenerator.highest
            // Nominal: first + 310 ≤ first + 320; 1.2 × 300 would reach first + 370.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 2, firstAttemptAt: first, now: first + 10, retryAfter: nil, using: &highest)
                == first + 320)
        }

        @Test("Retry-After never takes a retry past max_age")
        func maxAgeCutsRetryAfter() throws {
            let schedule = try RetrySchedule(delays: [100], maxAge: 150)
            var generator = ConstantGenerator.lowest
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 1, firstAttemptAt: first, now: first, retryAfter: 200, using: &generator) == first + 150)
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 1, firstAttemptAt: first, now: first, retryAfter: 120, using: &generator) == first + 120)
        }

        @Test("max_age counts from the first attempt, not from the failure")
        func maxAgeFromFirstAttempt() throws {
            let schedule = try RetrySchedule(maxAttempts: 10, maxAge: 86_400)
            var generator = ConstantGenerator.lowest
            // Attempt 6 failed 51 000 s after the first: 10 h more is past a day.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 6, firstAttemptAt: first, now: first + 51_000, retryAfter: nil, using: &generator) == nil)
            // Attempt 5 failed 20 000 s after: 5 h more is 38 000 s, within the day.
            #expect(schedule.nextAttemptTime(afterFailedAttempt: 5, firstAttemptAt: first, now: first + 20_000, retryAfter: nil, using: &generator)
                == first + 20_000 + 18_000 * (1 - 0.2))
        }
    }
}
