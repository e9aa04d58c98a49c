import Synchronization

/// The event ids of valid inbound requests this process has seen, each for its own window, so that
/// `inbound.verify` answers a second request with the same id `replayed`.
///
/// Bounded: when `capacity` ids are held, the oldest entered is let go first (expired ones are
/// dropped as they reach the front). The caller passes the time, so tests drive the clock.
public final class ReplayGuard: Sendable {
    private struct Entry {
        let key: String
        let expiresAt: Double
    }

    private struct State {
        var expiries: [String: Double] = [:]
        /// Entries in the order they were made; an entry whose key was entered again later is stale.
        var order: [Entry] = []
        var head = 0

        mutating func dropFront() {
            let entry = order[head]
            if expiries[entry.key] == entry.expiresAt { expiries[entry.key] = nil }
            head += 1
            if head > 1024 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    /// The most ids held at once.
    public let capacity: Int
    private let state = Mutex(State())

    /// The default bound: enough for a busy receiver's five-minute window.
    public static let defaultCapacity = 100_000

    /// A guard holding at most `capacity` ids (at least one).
    public init(capacity: Int = defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Enters `key` for `window` seconds from `now` unless it is held and unexpired.
    /// - Returns: true when the key was new (the request is first), false for a replay.
    public func claim(_ key: String, window: Double, now: Double) -> Bool {
        state.withLock { state in
            while state.head < state.order.count, state.order[state.head].expiresAt <= now { state.dropFront() }
            if let expiresAt = state.expiries[key], expiresAt > now { return false }
            while state.expiries.count >= capacity, state.head < state.order.count { state.dropFront() }
            let expiresAt = now + window
            state.expiries[key] = expiresAt
            state.order.append(Entry(key: key, expiresAt: expiresAt))
            return true
        }
    }

    /// Whether `key` is held and unexpired at `now` (without entering it).
    public func contains(_ key: String, now: Double) -> Bool {
        state.withLock { state in (state.expiries[key]).map { $0 > now } ?? false }
    }

    /// How many ids are held (expired ones not yet dropped included).
    public var count: Int { state.withLock { $0.expiries.count } }
}
