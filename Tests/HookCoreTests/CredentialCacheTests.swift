@testable import HookCore
import HookJSON
import Synchronization
import Testing

/// Monotonic time the test moves by hand.
final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double = 1_000) { seconds = Mutex(start) }

    var now: Double { seconds.withLock { $0 } }

    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }

    var reading: @Sendable () -> Double { { self.now } }
}

@Suite("CredentialCache")
struct CredentialCacheTests {
    static let wallClock = 1_800_000_000.0

    static func key(_ code: String, _ direction: WebhookDirection = .outbound) -> WebhookKey {
        try! WebhookKey(code: code, direction: direction)
    }

    static func credential(_ token: String = "tok-1", expiresAt: Double? = nil) -> CachedCredential {
        CachedCredential(authType: .bearer, source: .infisical, credential: ["token": .string(token)], secretValues: [token],
                         fetchedAt: wallClock, expiresAt: expiresAt)
    }

    static func configuration(ttl: Double = 300, maxStale: Double = 3600, negativeTTL: Double = 30, maxEntries: Int = 10_000) -> CredentialCache.Configuration {
        var configuration = CredentialCache.Configuration()
        configuration.ttlSeconds = ttl
        configuration.maxStaleSeconds = maxStale
        configuration.negativeTTLSeconds = negativeTTL
        configuration.maxEntries = maxEntries
        return configuration
    }

    let clock = ManualClock()

    func cache(_ configuration: CredentialCache.Configuration = configuration()) -> CredentialCache {
        CredentialCache(configuration: configuration, now: clock.reading)
    }

    @Test("an unknown key is absent")
    func unknownKeyIsAbsent() {
        #expect(cache().lookup(Self.key("A")) == .absent)
    }

    @Test("a stored credential is fresh within its TTL, with its age")
    func freshWithinTTL() {
        let cache = cache()
        cache.store(Self.credential(), for: Self.key("A"), wallClock: Self.wallClock)
        clock.advance(299)
        #expect(cache.lookup(Self.key("A")) == .fresh(Self.credential(), ageSeconds: 299, ttlSeconds: 300))
    }

    @Test("past its TTL a credential is stale, within maxStale")
    func staleAfterTTL() {
        let cache = cache()
        cache.store(Self.credential(), for: Self.key("A"), wallClock: Self.wallClock)
        clock.advance(300)
        #expect(cache.lookup(Self.key("A")) == .stale(Self.credential(), ageSeconds: 300))
        clock.advance(3599)
        #expect(cache.lookup(Self.key("A")) == .stale(Self.credential(), ageSeconds: 3899))
    }

    @Test("past TTL plus maxStale a credential is gone")
    func absentAfterMaxStale() {
        let cache = cache()
        cache.store(Self.credential(), for: Self.key("A"), wallClock: Self.wallClock)
        clock.advance(3900)
        #expect(cache.lookup(Self.key("A")) == .absent)
        #expect(cache.count == 0)
    }

    @Test("a missing entry answers until negativeTTL, then is gone")
    func negativeEntryExpires() {
        let cache = cache()
        cache.storeMissing(Self.key("A"), reason: "not found in infisical")
        clock.advance(29)
        #expect(cache.lookup(Self.key("A")) == .missing(reason: "not found in infisical"))
        clock.advance(1)
        #expect(cache.lookup(Self.key("A")) == .absent)
    }

    @Test("a missing entry is never served as stale")
    func negativeEntryIsNotStale() {
        let cache = cache()
        cache.storeMissing(Self.key("A"), reason: "gone")
        clock.advance(31)
        #expect(cache.lookup(Self.key("A")) == .absent)
    }

    @Test("a credential that expires before the TTL ends gets a shorter TTL")
    func expiresAtShortensTTL() {
        let cache = cache()
        cache.store(Self.credential(expiresAt: Self.wallClock + 100), for: Self.key("A"), wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("A")) == .fresh(Self.credential(expiresAt: Self.wallClock + 100), ageSeconds: 0, ttlSeconds: 100))
        clock.advance(100)
        guard case .stale = cache.lookup(Self.key("A")) else {
            Issue.record("expected stale at the credential's expiry")
            return
        }
    }

    @Test("a credential that expires after the TTL keeps the configured TTL")
    func laterExpiryKeepsTTL() {
        let cache = cache()
        let credential = Self.credential(expiresAt: Self.wallClock + 10_000)
        cache.store(credential, for: Self.key("A"), wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("A")) == .fresh(credential, ageSeconds: 0, ttlSeconds: 300))
    }

    @Test("a credential fetched earlier is back-dated by its age")
    func ageBackDates() {
        let cache = cache()
        cache.store(Self.credential(), for: Self.key("A"), ageSeconds: 250, wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("A")) == .fresh(Self.credential(), ageSeconds: 250, ttlSeconds: 300))
        clock.advance(50)
        #expect(cache.lookup(Self.key("A")) == .stale(Self.credential(), ageSeconds: 300))
    }

    @Test("a back-dated credential that expires soon keeps its expiry measured from now")
    func ageAndExpiryTogether() {
        let cache = cache()
        let credential = Self.credential(expiresAt: Self.wallClock + 60)
        cache.store(credential, for: Self.key("A"), ageSeconds: 100, wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("A")) == .fresh(credential, ageSeconds: 100, ttlSeconds: 160))
        clock.advance(60)
        guard case .stale = cache.lookup(Self.key("A")) else {
            Issue.record("expected stale once the credential expired")
            return
        }
    }

    @Test("storing again replaces the value and restarts its age")
    func storeReplaces() {
        let cache = cache()
        cache.store(Self.credential("old"), for: Self.key("A"), wallClock: Self.wallClock)
        clock.advance(200)
        cache.store(Self.credential("new"), for: Self.key("A"), wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("A")) == .fresh(Self.credential("new"), ageSeconds: 0, ttlSeconds: 300))
        #expect(cache.count == 1)
    }

    @Test("remove(key) drops one key and says whether it was there")
    func removeOneKey() {
        let cache = cache()
        cache.store(Self.credential(), for: Self.key("A"), wallClock: Self.wallClock)
        #expect(cache.remove(Self.key("A")))
        #expect(!cache.remove(Self.key("A")))
        #expect(cache.lookup(Self.key("A")) == .absent)
    }

    @Test(
        "remove(code:direction:) drops the matching keys, nil matching any, and counts them",
        arguments: [
            ("A" as String?, WebhookDirection.outbound as WebhookDirection?, 1, ["A/IN", "B/OUT", "B/IN"]),
            ("A", nil, 2, ["B/OUT", "B/IN"]),
            (nil, .inbound, 2, ["A/OUT", "B/OUT"]),
            (nil, nil, 4, []),
            ("C", nil, 0, ["A/OUT", "A/IN", "B/OUT", "B/IN"]),
        ])
    func removeMatching(code: String?, direction: WebhookDirection?, dropped: Int, remaining: [String]) {
        let cache = cache()
        let keys = [Self.key("A"), Self.key("A", .inbound), Self.key("B"), Self.key("B", .inbound)]
        for key in keys { cache.store(Self.credential(), for: key, wallClock: Self.wallClock) }
        #expect(cache.remove(code: code, direction: direction) == dropped)
        let left = keys.filter { cache.lookup($0) != .absent }.map(\.description)
        #expect(left == remaining)
    }

    @Test("remove(code:direction:) also drops missing entries")
    func removeDropsNegativeEntries() {
        let cache = cache()
        cache.storeMissing(Self.key("A"), reason: "gone")
        #expect(cache.remove(code: "A", direction: nil) == 1)
        #expect(cache.lookup(Self.key("A")) == .absent)
    }

    @Test("a fetch begun before an invalidation of its code, or of everything, stores nothing")
    func aTicketFromBeforeAnInvalidationIsRefused() {
        let cache = cache()
        let before = cache.beginFetch()
        cache.remove(code: "A", direction: .inbound)  // one direction invalidates the code's fetches
        #expect(!cache.store(Self.credential("old"), for: Self.key("A"), wallClock: Self.wallClock, ticket: before))
        #expect(cache.lookup(Self.key("A")) == .absent)
        cache.storeMissing(Self.key("A"), reason: "gone", ticket: before)
        #expect(cache.lookup(Self.key("A")) == .absent, "negative entries obey the ticket too")
        #expect(cache.store(Self.credential("b"), for: Self.key("B"), wallClock: Self.wallClock, ticket: before), "other codes are unaffected")
        let after = cache.beginFetch()
        #expect(cache.store(Self.credential("new"), for: Self.key("A"), wallClock: Self.wallClock, ticket: after))
        cache.remove(code: nil, direction: nil)
        #expect(!cache.store(Self.credential("late"), for: Self.key("B"), wallClock: Self.wallClock, ticket: after))
    }

    @Test("past the remembered invalidations the table folds: older tickets are refused, never wrongly allowed")
    func theInvalidationTableStaysBounded() {
        let cache = cache()
        let early = cache.beginFetch()
        for index in 0...CredentialCache.rememberedInvalidations { cache.remove(code: "C\(index)", direction: nil) }
        #expect(!cache.isCurrent(early, for: Self.key("UNRELATED")), "folded: conservatively refused")
        let fresh = cache.beginFetch()
        #expect(cache.isCurrent(fresh, for: Self.key("UNRELATED")))
    }

    @Test("over maxEntries the least recently used entries go, the recently used stay")
    func lruEviction() {
        let cache = cache(Self.configuration(maxEntries: 10))
        let keys = (0..<10).map { Self.key("K\($0)") }
        for key in keys {
            cache.store(Self.credential(), for: key, wallClock: Self.wallClock)
            clock.advance(1)
        }
        // Use the five oldest, so the five newest become the least recently used.
        for key in keys.prefix(5) { _ = cache.lookup(key) }
        cache.store(Self.credential(), for: Self.key("NEW"), wallClock: Self.wallClock)

        #expect(cache.count <= 10)
        for key in keys.prefix(5) { #expect(cache.lookup(key) != .absent, "\(key) was used recently") }
        #expect(cache.lookup(Self.key("NEW")) != .absent)
        #expect(keys.suffix(5).contains { cache.lookup($0) == .absent })
    }

    @Test("eviction never drops the entry just stored")
    func evictionKeepsNewEntry() {
        let cache = cache(Self.configuration(maxEntries: 1))
        cache.store(Self.credential(), for: Self.key("A"), wallClock: Self.wallClock)
        cache.store(Self.credential(), for: Self.key("B"), wallClock: Self.wallClock)
        #expect(cache.lookup(Self.key("B")) != .absent)
        #expect(cache.lookup(Self.key("A")) == .absent)
        #expect(cache.count == 1)
    }
}
