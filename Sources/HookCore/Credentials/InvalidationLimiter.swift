import Synchronization

/// Decides which 401/403 reports may invalidate a webhook's credential: at most one per webhook
/// every `spacingSeconds`, and at most `perSecond` in all (a token bucket), so that a storm of
/// auth failures (or a caller reporting them for made-up codes) cannot turn into a storm of
/// cache drops, source reads and Redis publications.
///
/// O(1) per report; the per-webhook table holds only webhooks invalidated within the spacing.
public final class InvalidationLimiter: Sendable {
    private struct State {
        var tokens: Double
        var refilledAt: Double
        var lastByKey: [WebhookKey: Double] = [:]
    }

    public let spacingSeconds: Double
    public let perSecond: Double
    private let now: @Sendable () -> Double
    private let state: Mutex<State>

    /// - Parameter now: monotonic seconds, injectable for tests.
    public init(spacingSeconds: Double, perSecond: Double, now: @escaping @Sendable () -> Double) {
        self.spacingSeconds = spacingSeconds
        self.perSecond = max(perSecond, 0.001)
        self.now = now
        state = Mutex(State(tokens: max(perSecond, 1), refilledAt: now()))
    }

    /// Whether an auth failure reported for `key` now may invalidate its credential.
    public func admit(_ key: WebhookKey) -> Bool {
        let time = now()
        return state.withLock { state -> Bool in
            if let last = state.lastByKey[key], time - last < spacingSeconds { return false }
            let burst = max(perSecond, 1)
            state.tokens = min(burst, state.tokens + max(0, time - state.refilledAt) * perSecond)
            state.refilledAt = time
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            // Entries past the spacing decide nothing: drop them once the table has grown to what
            // the bucket can admit in one spacing, so it stays that small whatever callers send.
            if Double(state.lastByKey.count) >= burst * spacingSeconds * 2 {
                state.lastByKey = state.lastByKey.filter { time - $0.value < spacingSeconds }
            }
            state.lastByKey[key] = time
            return true
        }
    }

    /// How many webhooks the spacing table holds (for tests and health).
    public var trackedKeys: Int { state.withLock { $0.lastByKey.count } }
}
