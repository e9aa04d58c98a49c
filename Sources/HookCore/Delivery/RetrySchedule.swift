import HookNumbers

/// When a failed delivery is tried again: the delays before each retry, jittered, and an optional
/// age after which a delivery is not retried any more.
///
/// The first attempt is immediate and not in `delays`, so a schedule of n delays makes n + 1
/// attempts. Pure: the caller passes the times and the random generator, so a test can replay a
/// schedule exactly. The credential-refresh retry after a 401/403 is not an attempt of the
/// schedule; the caller does not pass it here.
public struct RetrySchedule: Sendable, Equatable {
    /// Svix's schedule, seconds before each retry: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h.
    public static let standardDelays: [Double] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
    /// Each delay is stretched or shrunk by up to this fraction at random (±20 %), so deliveries
    /// that failed together do not all come back at the same second.
    public static let jitterFraction = 0.2
    /// The most attempts a schedule may make (a bound on its size, not a recommendation).
    public static let maximumAttempts = 100
    /// The schedule a webhook without `retry` settings gets: ``standardDelays``, no age limit.
    public static let standard = RetrySchedule(checkedDelays: standardDelays, maxAge: nil)

    /// Seconds to wait before each retry: `delays[0]` before attempt 2, and so on.
    public let delays: [Double]
    /// Seconds after the first attempt past which no retry is scheduled; nil for no limit.
    public let maxAge: Double?

    /// A schedule from `retry.schedule`.
    /// - Parameters:
    ///   - delays: Seconds before each retry; empty for a single attempt.
    ///   - maxAge: Seconds after the first attempt past which nothing is retried (`retry.max_age`).
    /// - Throws: `RetryScheduleError` for a delay or age that is not a valid duration, or more than
    ///   ``maximumAttempts`` attempts.
    public init(delays: [Double], maxAge: Double? = nil) throws(RetryScheduleError) {
        guard delays.count < Self.maximumAttempts else { throw .tooManyAttempts(delays.count + 1) }
        var checked: [Double] = []
        checked.reserveCapacity(delays.count)
        for (index, delay) in delays.enumerated() {
            do throws(DurationTextError) {
                checked.append(try DurationText.seconds(from: delay))
            } catch {
                throw .invalidDelay(index: index, error)
            }
        }
        self.init(checkedDelays: checked, maxAge: try Self.checkedMaxAge(maxAge))
    }

    /// A schedule of `maxAttempts` attempts on the standard delays (`retry.max_attempts`): cut
    /// short, or extended by repeating the last delay (10 h). 1 means no retry.
    /// - Throws: `RetryScheduleError` for fewer than 1 or more than ``maximumAttempts`` attempts,
    ///   or an invalid `maxAge`.
    public init(maxAttempts: Int, maxAge: Double? = nil) throws(RetryScheduleError) {
        guard maxAttempts >= 1 else { throw .tooFewAttempts(maxAttempts) }
        guard maxAttempts <= Self.maximumAttempts else { throw .tooManyAttempts(maxAttempts) }
        let delays = RetrySchedule.standard.limited(toAttempts: maxAttempts).delays
        self.init(checkedDelays: delays, maxAge: try Self.checkedMaxAge(maxAge))
    }

    /// A schedule from values already checked (each a valid duration, fewer than
    /// ``maximumAttempts`` delays), as a webhook's `retry` settings resolve to.
    init(checkedDelays: [Double], maxAge: Double?) {
        self.delays = checkedDelays
        self.maxAge = maxAge
    }

    /// Attempts a delivery gets at most, the first included.
    public var maxAttempts: Int { delays.count + 1 }

    /// This schedule with `maxAttempts` attempts: cut short, or extended by repeating its last
    /// delay (the standard one's when it has none). 1 means no retry; the age limit is kept.
    /// - Precondition: `maxAttempts` is from 1 to ``maximumAttempts`` (checked by the callers).
    func limited(toAttempts maxAttempts: Int) -> RetrySchedule {
        let retries = min(max(maxAttempts, 1), Self.maximumAttempts) - 1
        var limited = Array(delays.prefix(retries))
        if retries > limited.count, let last = delays.last ?? Self.standardDelays.last {
            limited += Array(repeating: last, count: retries - limited.count)
        }
        return RetrySchedule(checkedDelays: limited, maxAge: maxAge)
    }

    /// When to try again after attempt `number` (from 1) failed; nil when it was the last.
    ///
    /// The next time is `now` plus the nominal delay `delays[number - 1]` times a uniform factor in
    /// 1 ± ``jitterFraction``. A `retryAfter` from a 429/503 replaces the jittered delay, clamped to
    /// [nominal, 2 × nominal] of the unjittered delay. With `maxAge`: no retry when `now` plus the
    /// nominal delay passes `firstAttemptAt + maxAge`; otherwise jitter and `retryAfter` are cut
    /// at that limit, so the decision to retry does not depend on the dice.
    /// - Parameters:
    ///   - number: The attempt that failed, from 1; below 1 counts as 1.
    ///   - firstAttemptAt: When attempt 1 was made (seconds, the caller's clock).
    ///   - now: When attempt `number` failed.
    ///   - retryAfter: Seconds the receiver asked to wait (``parseRetryAfter(_:now:)``), or nil;
    ///     NaN is ignored.
    ///   - generator: The source of the jitter.
    /// - Returns: The time of attempt `number + 1`, or nil when the delivery is exhausted.
    public func nextAttemptTime(
        afterFailedAttempt number: Int,
        firstAttemptAt: Double,
        now: Double,
        retryAfter: Double?,
        using generator: inout some RandomNumberGenerator
    ) -> Double? {
        let index = max(number, 1) - 1
        guard index < delays.count else { return nil }
        let nominal = delays[index]
        var latestDelay = Double.infinity
        if let maxAge {
            latestDelay = firstAttemptAt + maxAge - now
            guard nominal <= latestDelay else { return nil }
        }
        let delay: Double
        if let retryAfter, !retryAfter.isNaN {
            delay = retryAfter.clamped(to: nominal...(2 * nominal), ifNaN: nominal)
        } else {
            let factor = Double.random(in: (1 - Self.jitterFraction)...(1 + Self.jitterFraction), using: &generator)
            delay = nominal * factor
        }
        return now + min(delay, latestDelay)
    }

    private static func checkedMaxAge(_ maxAge: Double?) throws(RetryScheduleError) -> Double? {
        guard let maxAge else { return nil }
        do throws(DurationTextError) {
            return try DurationText.seconds(from: maxAge)
        } catch {
            throw .invalidMaxAge(error)
        }
    }
}
