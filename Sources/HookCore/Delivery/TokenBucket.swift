/// A webhook's `rate_per_second`: a token bucket that refills at the rate and holds at most
/// `burst` tokens; each attempt takes one. An attempt that finds no token waits for one (it is
/// neither dropped nor counted as a failure).
///
/// Pure, with the clock injected: every call takes `now` (seconds, any monotonic clock of the
/// caller's), so a test can step time exactly. The bucket starts full, so a webhook's first
/// attempt after a quiet spell goes at once. With the default burst of 1, attempts are spaced by
/// 1 / rate: 10 attempts at 5 per second span 1.8 s.
public struct TokenBucket: Sendable, Equatable {
    /// Tokens added per second (> 0).
    public private(set) var ratePerSecond: Double
    /// The most tokens the bucket holds: attempts that may go back to back after a quiet spell.
    public let burst: Double
    private var tokens: Double
    private var updatedAt: Double
    /// A token short by less than this counts as whole: `0.2 * 5` may come out a hair below 1.
    private static let tolerance = 1e-9

    /// A full bucket.
    /// - Parameters:
    ///   - ratePerSecond: Tokens per second; must be above 0 and finite (callers check it: a
    ///     webhook's `rate_per_second` is).
    ///   - burst: The capacity, at least 1.
    ///   - now: The caller's clock now.
    public init(ratePerSecond: Double, burst: Double = 1, now: Double) {
        self.ratePerSecond = ratePerSecond.isFinite && ratePerSecond > 0 ? ratePerSecond : .leastNormalMagnitude
        self.burst = max(burst.isFinite ? burst : 1, 1)
        tokens = self.burst
        updatedAt = now
    }

    /// Takes a token when one is there at `now`.
    /// - Returns: whether the attempt may go now; false leaves the bucket as it was (but refilled).
    public mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 - Self.tolerance else { return false }
        tokens = max(tokens - 1, 0)
        return true
    }

    /// When the next token is there: `now` when one is there already.
    public func nextTokenAt(now: Double) -> Double {
        var copy = self
        copy.refill(now: now)
        guard copy.tokens < 1 - Self.tolerance else { return now }
        return now + (1 - copy.tokens) / ratePerSecond
    }

    /// Takes a new rate (the webhook's `rate_per_second` changed) from `now` on; the tokens
    /// already earned are kept.
    public mutating func adopt(ratePerSecond newRate: Double, now: Double) {
        guard newRate.isFinite, newRate > 0, newRate != ratePerSecond else { return }
        refill(now: now)
        ratePerSecond = newRate
    }

    /// Adds the tokens earned since the last call. A clock that went back earns nothing.
    private mutating func refill(now: Double) {
        guard now > updatedAt else { return }
        tokens = min(burst, tokens + (now - updatedAt) * ratePerSecond)
        updatedAt = now
    }
}
