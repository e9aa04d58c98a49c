import HookCore
import Testing

extension DeliveryPolicyTests {
    /// `rate_per_second`: a bucket of one token refilled at the rate, with the time passed in.
    @Suite("TokenBucket")
    struct TokenBucketTests {
        /// Asks the bucket for a token at each time, in order; whether each was granted.
        private func takes(_ bucket: inout TokenBucket, at times: [Double]) -> [Bool] {
            times.map { bucket.take(now: $0) }
        }

        @Test("a new bucket lets the first attempt go at once, then none until a token is earned")
        func firstGoesThenWaits() {
            var bucket = TokenBucket(ratePerSecond: 5, now: 100)
            let granted = takes(&bucket, at: [100, 100, 100.1, 100.2])
            #expect(granted == [true, false, false, true], "half a token is not a token")
        }

        @Test("the next token is due 1 / rate after the last one was taken")
        func nextTokenTime() {
            var bucket = TokenBucket(ratePerSecond: 5, now: 0)
            #expect(bucket.nextTokenAt(now: 0) == 0, "a full bucket has a token now")
            #expect(takes(&bucket, at: [0]) == [true])
            #expect(abs(bucket.nextTokenAt(now: 0) - 0.2) < 1e-9)
            #expect(abs(bucket.nextTokenAt(now: 0.15) - 0.2) < 1e-9)
        }

        @Test("ten attempts at 5 per second, each taken as soon as allowed, span 1.8 s")
        func tenAttemptsAtFivePerSecond() {
            var bucket = TokenBucket(ratePerSecond: 5, now: 0)
            var now = 0.0
            var times: [Double] = []
            while times.count < 10 {
                if bucket.take(now: now) {
                    times.append(now)
                } else {
                    now = bucket.nextTokenAt(now: now)
                }
            }
            #expect(abs((times.last ?? 0) - 1.8) < 1e-6, "\(times)")
            for (earlier, later) in zip(times, times.dropFirst()) {
                #expect(later - earlier >= 0.2 - 1e-6)
            }
        }

        @Test("a quiet spell earns no more than the burst")
        func burstCapsSavings() {
            var bucket = TokenBucket(ratePerSecond: 10, burst: 2, now: 0)
            #expect(takes(&bucket, at: [0, 0, 0]) == [true, true, false])
            #expect(takes(&bucket, at: [3600, 3600, 3600]) == [true, true, false], "an hour later: still only two back to back")
        }

        @Test("a fractional rate spaces attempts by more than a second")
        func fractionalRate() {
            var bucket = TokenBucket(ratePerSecond: 0.5, now: 0)
            #expect(takes(&bucket, at: [0, 1.9, 2]) == [true, false, true])
        }

        @Test("a clock that steps back earns nothing")
        func clockBackwards() {
            var bucket = TokenBucket(ratePerSecond: 1, now: 50)
            #expect(takes(&bucket, at: [50, 10, 50.5, 51]) == [true, false, false, true])
        }

        @Test("a new rate applies from now on, keeping what was earned")
        func adoptRate() {
            var bucket = TokenBucket(ratePerSecond: 1, now: 0)
            #expect(takes(&bucket, at: [0]) == [true])
            bucket.adopt(ratePerSecond: 10, now: 0.5)
            #expect(bucket.ratePerSecond == 10)
            // 0.5 token earned at the old rate; the other half takes 0.05 s at the new one.
            #expect(takes(&bucket, at: [0.54, 0.55]) == [false, true])
        }
    }
}
