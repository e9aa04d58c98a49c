import HookCore
import Testing

struct InvalidationLimiterTests {
    static func key(_ code: String) -> WebhookKey {
        // Test codes are valid by construction.
        (try? WebhookKey(code: code, direction: .outbound)) ?? Self.key("FALLBACK")
    }

    @Test func oneWebhookIsInvalidatedAtMostOncePerSpacing() {
        let clock = ManualClock()
        let limiter = InvalidationLimiter(spacingSeconds: 5, perSecond: 20, now: { clock.now })
        #expect(limiter.admit(Self.key("A")))
        #expect(!limiter.admit(Self.key("A")))
        clock.advance(4.9)
        #expect(!limiter.admit(Self.key("A")))
        clock.advance(0.2)
        #expect(limiter.admit(Self.key("A")))
    }

    @Test func allWebhooksTogetherStayWithinTheRate() {
        let clock = ManualClock()
        let limiter = InvalidationLimiter(spacingSeconds: 5, perSecond: 20, now: { clock.now })
        let burst = (0..<1000).filter { limiter.admit(Self.key("C\($0)")) }.count
        #expect(burst == 20, "a burst of 1000 distinct codes: the bucket's 20")
        clock.advance(1)
        let nextSecond = (1000..<2000).filter { limiter.admit(Self.key("C\($0)")) }.count
        #expect(nextSecond == 20)
        // Ten seconds of storm at 1000 codes a second: about 20 a second get through.
        var admitted = 0
        for second in 0..<10 {
            clock.advance(1)
            admitted += (0..<1000).filter { limiter.admit(Self.key("S\(second)_\($0)")) }.count
        }
        #expect(admitted == 200)
    }

    @Test func theSpacingTableStaysSmallUnderAStormOfCodes() {
        let clock = ManualClock()
        let limiter = InvalidationLimiter(spacingSeconds: 5, perSecond: 20, now: { clock.now })
        for round in 0..<200 {
            clock.advance(0.5)
            for index in 0..<100 { _ = limiter.admit(Self.key("R\(round)_\(index)")) }
        }
        #expect(limiter.trackedKeys <= 2 * 20 * 5 + 20, "\(limiter.trackedKeys) tracked after 20 000 codes")
    }
}
