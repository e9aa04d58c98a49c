import Synchronization

/// The in-process credential tier (L1): bounded, least recently used out first, with a TTL,
/// stale values kept for `maxStale` past it, and short-lived negative entries for missing secrets.
///
/// A lookup is one uncontended lock and a dictionary probe: it is on the hot path of
/// `credential.get`, which must answer an L1 hit in microseconds.
public final class CredentialCache: Sendable {
    /// What the cache knows about a key.
    public enum Lookup: Sendable, Equatable {
        /// Within its TTL.
        case fresh(CachedCredential, ageSeconds: Double, ttlSeconds: Double)
        /// Past its TTL but within `maxStale`: only for when the source cannot be reached.
        case stale(CachedCredential, ageSeconds: Double)
        /// Recently found missing at its source (the reason names the source, not a value).
        case missing(reason: String)
        case absent
    }

    public struct Configuration: Sendable, Equatable {
        public var maxEntries = 10_000
        public var ttlSeconds: Double = 300
        public var maxStaleSeconds: Double = 3600
        public var negativeTTLSeconds: Double = 30

        public init() {}
    }

    private enum Value {
        case present(CachedCredential)
        case missing(String)
    }

    private struct Entry {
        var value: Value
        /// Monotonic seconds when the value was fetched (back-dated for values from Redis).
        var storedAt: Double
        var ttl: Double
        var lastUsed: UInt64
    }

    private struct State: ~Copyable {
        var entries: [WebhookKey: Entry] = [:]
        var tick: UInt64 = 0
    }

    public let configuration: Configuration
    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    /// - Parameter now: monotonic seconds; injectable so tests drive time without sleeping.
    public init(configuration: Configuration, now: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.now = now
    }

    public func lookup(_ key: WebhookKey) -> Lookup {
        let time = now()
        return state.withLock { state -> Lookup in
            // One hash: the index both reads the entry and marks it used in place.
            guard let index = state.entries.index(forKey: key) else { return .absent }
            let entry = state.entries.values[index]
            let age = time - entry.storedAt
            switch entry.value {
            case .present(let credential):
                if age < entry.ttl {
                    state.tick &+= 1
                    state.entries.values[index].lastUsed = state.tick
                    return .fresh(credential, ageSeconds: age, ttlSeconds: entry.ttl)
                }
                if age < entry.ttl + configuration.maxStaleSeconds { return .stale(credential, ageSeconds: age) }
                state.entries[key] = nil
                return .absent
            case .missing(let reason):
                if age < entry.ttl { return .missing(reason: reason) }
                state.entries[key] = nil
                return .absent
            }
        }
    }

    /// Stores a credential fetched `ageSeconds` ago (0 from the source, more from Redis).
    /// Its TTL is the configured one, shortened when the credential itself expires sooner.
    public func store(_ credential: CachedCredential, for key: WebhookKey, ageSeconds: Double = 0, wallClock: Double) {
        var ttl = configuration.ttlSeconds
        if let expiresAt = credential.expiresAt { ttl = min(ttl, max(0, expiresAt - wallClock) + ageSeconds) }
        insert(Entry(value: .present(credential), storedAt: now() - ageSeconds, ttl: ttl, lastUsed: 0), for: key)
    }

    /// Remembers for `negativeTTLSeconds` that the credential is missing at its source.
    public func storeMissing(_ key: WebhookKey, reason: String) {
        insert(Entry(value: .missing(reason), storedAt: now(), ttl: configuration.negativeTTLSeconds, lastUsed: 0), for: key)
    }

    /// Drops one key; returns whether it was there.
    @discardableResult
    public func remove(_ key: WebhookKey) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: key) != nil }
    }

    /// Drops every key matching `code` and `direction` (nil matches any); returns how many.
    @discardableResult
    public func remove(code: String?, direction: WebhookDirection?) -> Int {
        state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { key, _ in
                !((code == nil || key.code == code) && (direction == nil || key.direction == direction))
            }
            return before - state.entries.count
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    private func insert(_ entry: Entry, for key: WebhookKey) {
        state.withLock { state in
            state.tick &+= 1
            var entry = entry
            entry.lastUsed = state.tick
            state.entries[key] = entry
            guard state.entries.count > configuration.maxEntries else { return }
            // Evict the least recently used tenth at once, so a full cache pays for a scan
            // only once per many inserts.
            let excess = state.entries.count - configuration.maxEntries + max(1, configuration.maxEntries / 10)
            let victims = state.entries.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(excess).map(\.key)
            for victim in victims where victim != key { state.entries[victim] = nil }
        }
    }
}
