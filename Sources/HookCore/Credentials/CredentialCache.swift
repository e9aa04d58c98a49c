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

    /// Where a fetch stood in the invalidation order when it began: what it finds may be stored
    /// only if nothing invalidated its key since (a rotation must never be undone by a slow fetch).
    public struct FetchTicket: Sendable, Equatable {
        let sequence: UInt64
    }

    private struct State: ~Copyable {
        var entries: [WebhookKey: Entry] = [:]
        var tick: UInt64 = 0
        /// Counts invalidations; each one stamps what it covered with the new value.
        var invalidationSequence: UInt64 = 0
        /// The last invalidation of each code (both directions), and of everything.
        var codeInvalidatedAt: [String: UInt64] = [:]
        var everythingInvalidatedAt: UInt64 = 0

        /// Whether a fetch begun at `ticket` may still store its result for `key`.
        func isCurrent(_ ticket: FetchTicket, for key: WebhookKey) -> Bool {
            everythingInvalidatedAt <= ticket.sequence && codeInvalidatedAt[key.code, default: 0] <= ticket.sequence
        }
    }

    /// Codes whose last invalidation is remembered one by one; past this the table is folded into
    /// `everythingInvalidatedAt`, which can only refuse a few more stores, never allow a stale one.
    static let rememberedInvalidations = 10_000

    public let configuration: Configuration
    let now: @Sendable () -> Double
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

    /// Taken before a fetch starts; `store` and `storeMissing` refuse its result after an invalidation.
    public func beginFetch() -> FetchTicket {
        state.withLock { FetchTicket(sequence: $0.invalidationSequence) }
    }

    /// Whether nothing invalidated `key` since `ticket` was taken.
    public func isCurrent(_ ticket: FetchTicket, for key: WebhookKey) -> Bool {
        state.withLock { $0.isCurrent(ticket, for: key) }
    }

    /// Stores a credential fetched `ageSeconds` ago (0 from the source, more from Redis), unless
    /// its key was invalidated after `ticket`. Its TTL is the configured one, shortened when the
    /// credential itself expires sooner.
    /// - Returns: whether it was stored.
    @discardableResult
    public func store(_ credential: CachedCredential, for key: WebhookKey, ageSeconds: Double = 0, wallClock: Double,
                      ticket: FetchTicket? = nil) -> Bool {
        var ttl = configuration.ttlSeconds
        if let expiresAt = credential.expiresAt { ttl = min(ttl, max(0, expiresAt - wallClock) + ageSeconds) }
        return insert(Entry(value: .present(credential), storedAt: now() - ageSeconds, ttl: ttl, lastUsed: 0), for: key, ticket: ticket)
    }

    /// Remembers for `negativeTTLSeconds` that the credential is missing at its source, unless
    /// its key was invalidated after `ticket`.
    public func storeMissing(_ key: WebhookKey, reason: String, ticket: FetchTicket? = nil) {
        insert(Entry(value: .missing(reason), storedAt: now(), ttl: configuration.negativeTTLSeconds, lastUsed: 0), for: key, ticket: ticket)
    }

    /// Drops one key; returns whether it was there. Fetches already running for it will not store.
    @discardableResult
    public func remove(_ key: WebhookKey) -> Bool {
        remove(code: key.code, direction: key.direction) > 0
    }

    /// Drops every key matching `code` and `direction` (nil matches any); returns how many.
    /// Fetches already running for those keys will not store what they find. For one code this
    /// costs two dictionary probes (a code has two directions), not a scan.
    @discardableResult
    public func remove(code: String?, direction: WebhookDirection?) -> Int {
        state.withLock { state in
            state.invalidationSequence += 1
            guard let code else {
                state.everythingInvalidatedAt = state.invalidationSequence
                let before = state.entries.count
                if let direction {
                    state.entries = state.entries.filter { key, _ in key.direction != direction }
                } else {
                    state.entries.removeAll(keepingCapacity: true)
                }
                return before - state.entries.count
            }
            if state.codeInvalidatedAt.count >= Self.rememberedInvalidations && state.codeInvalidatedAt[code] == nil {
                // Fold the table: every fetch begun before now is refused, which is always safe.
                state.codeInvalidatedAt.removeAll(keepingCapacity: true)
                state.everythingInvalidatedAt = state.invalidationSequence
            } else {
                state.codeInvalidatedAt[code] = state.invalidationSequence
            }
            var removed = 0
            for candidate in direction.map({ [$0] }) ?? WebhookDirection.allCases {
                // A code that is not a valid one has no entries.
                guard let key = try? WebhookKey(code: code, direction: candidate) else { break }
                if state.entries.removeValue(forKey: key) != nil { removed += 1 }
            }
            return removed
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    @discardableResult
    private func insert(_ entry: Entry, for key: WebhookKey, ticket: FetchTicket?) -> Bool {
        state.withLock { state -> Bool in
            if let ticket, !state.isCurrent(ticket, for: key) { return false }
            state.tick &+= 1
            var entry = entry
            entry.lastUsed = state.tick
            state.entries[key] = entry
            guard state.entries.count > configuration.maxEntries else { return true }
            // Evict the least recently used tenth at once, so a full cache pays for a scan
            // only once per many inserts.
            let excess = state.entries.count - configuration.maxEntries + max(1, configuration.maxEntries / 10)
            let victims = state.entries.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(excess).map(\.key)
            for victim in victims where victim != key { state.entries[victim] = nil }
            return true
        }
    }
}
