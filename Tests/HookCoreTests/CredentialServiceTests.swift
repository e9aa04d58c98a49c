@testable import HookCore
import HookJSON
import Synchronization
import Testing

// MARK: - In-memory twins of the ports

/// The registry as a dictionary.
struct DictionaryDirectory: WebhookDirectory {
    var webhooks: [WebhookKey: Webhook]

    func webhook(_ key: WebhookKey) async throws(CredentialError) -> Webhook? { webhooks[key] }
}

/// A source holding secrets by name that counts its reads and can be made to fail or forget.
final class CountingSource: CredentialSourceReader {
    enum Behaviour: Sendable {
        case answer
        case fail(CredentialSourceError)
        case returnNil
    }

    private struct State {
        var secrets: [String: String]
        var behaviour = Behaviour.answer
        var reads = 0
    }

    private let state: Mutex<State>
    private let delay: Duration

    /// - Parameter delay: how long each read takes, so that concurrent callers overlap.
    init(_ secrets: [String: String], delay: Duration = .zero) {
        state = Mutex(State(secrets: secrets))
        self.delay = delay
    }

    var reads: Int { state.withLock { $0.reads } }

    func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        let behaviour = state.withLock { state -> Behaviour in
            state.reads += 1
            return state.behaviour
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        switch behaviour {
        case .answer: return state.withLock { state in reference.flatMap { state.secrets[$0] } }
        case .fail(let error): throw error
        case .returnNil: return nil
        }
    }
}

/// The shared tier as a dictionary that records what it was asked to do.
final class DictionaryTier: SharedCredentialTier {
    struct Invalidation: Sendable, Equatable {
        var code: String?
        var direction: WebhookDirection?
    }

    private struct State {
        var entries: [WebhookKey: CachedCredential] = [:]
        var stored: [WebhookKey: Int] = [:]
        var invalidations: [Invalidation] = []
    }

    private let state = Mutex(State())

    var invalidations: [Invalidation] { state.withLock { $0.invalidations } }

    /// The TTL each key was last stored with.
    var storedTTLs: [WebhookKey: Int] { state.withLock { $0.stored } }

    func preload(_ credential: CachedCredential, for key: WebhookKey) { state.withLock { $0.entries[key] = credential } }

    func load(_ key: WebhookKey) async -> CachedCredential? { state.withLock { $0.entries[key] } }

    func store(_ credential: CachedCredential, for key: WebhookKey, ttlSeconds: Int) async {
        state.withLock {
            $0.entries[key] = credential
            $0.stored[key] = ttlSeconds
        }
    }

    func invalidate(code: String?, direction: WebhookDirection?) async {
        state.withLock { $0.invalidations.append(Invalidation(code: code, direction: direction)) }
    }
}

/// Issues a fixed token and remembers what it was given.
final class StubTokenIssuer: OAuth2TokenIssuer {
    let token: IssuedToken
    private let requests = Mutex<[OAuth2ClientCredentials]>([])

    init(_ token: IssuedToken) { self.token = token }

    var received: [OAuth2ClientCredentials] { requests.withLock { $0 } }

    func issueToken(_ credentials: OAuth2ClientCredentials, timeoutSeconds: Double, allowInsecureHTTP: Bool)
        async throws(CredentialSourceError) -> IssuedToken {
        requests.withLock { $0.append(credentials) }
        return token
    }
}

// MARK: - Tests

@Suite("CredentialService")
struct CredentialServiceTests {
    static let start = 1_800_000_000.0
    static let stripe = try! WebhookKey(code: "STRIPE_PAYMENT", direction: .outbound)
    static let stranger = try! WebhookKey(code: "NOBODY", direction: .outbound)

    static let webhooks: [Webhook] = [
        Webhook(key: stripe, url: "https://api.stripe.example/hook", authType: .bearer),
        Webhook(key: try! WebhookKey(code: "HMAC_BAD", direction: .inbound), authType: .hmac),
        Webhook(key: try! WebhookKey(code: "FROM_ENV", direction: .outbound), authType: .bearer, credentialSource: .env),
        Webhook(key: try! WebhookKey(code: "OPEN", direction: .outbound), authType: .none, credentialSource: .env),
        Webhook(key: try! WebhookKey(code: "OAUTH", direction: .outbound), authType: .oauth2ClientCredentials),
    ]

    static let secrets = [
        "WEBHOOK_STRIPE_PAYMENT_OUT": "sk_fake_stripe\n",
        "WEBHOOK_HMAC_BAD_IN": #"{"secret": "s", "scheme": "md5"}"#,
        "WEBHOOK_OAUTH_OUT": #"{"token_url": "https://auth.example/token", "client_id": "cid", "client_secret": "cs-1"}"#,
    ]

    let monotonic = ManualClock(0)
    let wall = ManualClock(start)
    let health = HealthBoard()
    let source: CountingSource
    let tier = DictionaryTier()

    init() {
        source = CountingSource(Self.secrets)
    }

    init(sourceDelay: Duration) {
        source = CountingSource(Self.secrets, delay: sourceDelay)
    }

    func service(shared: Bool = true, issuer: OAuth2TokenIssuer? = nil) -> CredentialService {
        CredentialService(
            cache: CredentialCache(configuration: CredentialCache.Configuration(), now: monotonic.reading),
            directory: DictionaryDirectory(webhooks: Dictionary(uniqueKeysWithValues: Self.webhooks.map { ($0.key, $0) })),
            sources: [.infisical: source], shared: shared ? tier : nil, tokenIssuer: issuer, health: health,
            wallClock: wall.reading)
    }

    /// Moves both clocks, as real time would.
    func advance(_ seconds: Double) {
        monotonic.advance(seconds)
        wall.advance(seconds)
    }

    static func key(_ code: String, _ direction: WebhookDirection = .outbound) -> WebhookKey {
        try! WebhookKey(code: code, direction: direction)
    }

    // MARK: Cache tiers

    @Test("a miss reads the source and answers without a cache hit")
    func missReadsSource() async throws {
        let lookup = try await service().lookup(Self.stripe)
        #expect(!lookup.cacheHit)
        #expect(lookup.tier == nil)
        #expect(lookup.credential.credential == ["token": "sk_fake_stripe"])
        #expect(lookup.credential.source == .infisical)
        #expect(source.reads == 1)
    }

    @Test("after a miss the credential is an L1 hit, without another read")
    func missThenMemoryHit() async throws {
        let service = service()
        #expect(service.cachedLookup(Self.stripe) == nil)
        _ = try await service.lookup(Self.stripe)
        advance(5)

        let cached = try #require(service.cachedLookup(Self.stripe))
        #expect(cached.tier == .memory)
        #expect(cached.cacheHit)
        #expect(cached.ageSeconds == 5)
        let again = try await service.lookup(Self.stripe)
        #expect(again.tier == .memory)
        #expect(source.reads == 1)
    }

    @Test("a credential read from the source is stored in the shared tier with the TTL")
    func sourceValueStoredInSharedTier() async throws {
        _ = try await service().lookup(Self.stripe)
        #expect(tier.storedTTLs[Self.stripe] == 300)
    }

    @Test("an L2 hit answers with tier redis and the age since it was fetched")
    func sharedTierHit() async throws {
        let stored = CachedCredential(authType: .bearer, source: .infisical, credential: ["token": "from-redis"],
                                      secretValues: ["from-redis"], fetchedAt: Self.start - 40)
        tier.preload(stored, for: Self.stripe)
        let lookup = try await service().lookup(Self.stripe)
        #expect(lookup.tier == .redis)
        #expect(lookup.cacheHit)
        #expect(lookup.ageSeconds == 40)
        #expect(lookup.credential == stored)
        #expect(source.reads == 0)
    }

    @Test("an L2 hit fills L1 with the same age")
    func sharedTierHitFillsMemory() async throws {
        tier.preload(CachedCredential(authType: .bearer, source: .infisical, credential: ["token": "from-redis"],
                                      secretValues: ["from-redis"], fetchedAt: Self.start - 40), for: Self.stripe)
        let service = service()
        _ = try await service.lookup(Self.stripe)
        let cached = try #require(service.cachedLookup(Self.stripe))
        #expect(cached.tier == .memory)
        #expect(cached.ageSeconds == 40)
    }

    @Test("an L2 value older than the TTL is passed over for the source")
    func oldSharedValueIgnored() async throws {
        tier.preload(CachedCredential(authType: .bearer, source: .infisical, credential: ["token": "old"],
                                      secretValues: ["old"], fetchedAt: Self.start - 301), for: Self.stripe)
        let lookup = try await service().lookup(Self.stripe)
        #expect(lookup.tier == nil)
        #expect(lookup.credential.credential == ["token": "sk_fake_stripe"])
    }

    // MARK: Source failures

    @Test("when the source fails, a stale L1 value is served, marked stale")
    func staleServedWhenSourceFails() async throws {
        let service = service(shared: false)
        _ = try await service.lookup(Self.stripe)
        advance(301)
        source.behave(.fail(CredentialSourceError(.unavailable, "infisical: 503")))

        let lookup = try await service.lookup(Self.stripe)
        #expect(lookup.stale)
        #expect(lookup.tier == .memory)
        #expect(lookup.ageSeconds == 301)
        #expect(lookup.credential.credential == ["token": "sk_fake_stripe"])
    }

    @Test("a failing source is reported degraded on the health board")
    func failingSourceReportedDegraded() async throws {
        let service = service(shared: false)
        _ = try await service.lookup(Self.stripe)
        #expect(health.status(of: "infisical")?.status == .ok)
        advance(301)
        source.behave(.fail(CredentialSourceError(.unavailable, "infisical: 503")))

        _ = try await service.lookup(Self.stripe)
        #expect(health.status(of: "infisical")?.status == .degraded)
        #expect(health.status(of: "infisical")?.detail == "infisical: 503")
    }

    @Test("when the source fails and nothing stale is at hand, the lookup fails with sourceFailed")
    func sourceFailureWithoutStale() async {
        let failure = CredentialSourceError(.unavailable, "infisical: 503")
        source.behave(.fail(failure))
        await #expect(throws: CredentialError.sourceFailed(Self.stripe, failure)) {
            try await service().lookup(Self.stripe)
        }
    }

    @Test("a missing secret fails with missing, naming the source and reference")
    func missingSecret() async {
        source.behave(.returnNil)
        await #expect(throws: CredentialError.missing(Self.stripe, source: .infisical, reference: "WEBHOOK_STRIPE_PAYMENT_OUT")) {
            try await service().lookup(Self.stripe)
        }
    }

    @Test("a secret found missing is recentlyMissing on the next lookup, without another read")
    func missingIsRemembered() async {
        let service = service()
        source.behave(.returnNil)
        _ = try? await service.lookup(Self.stripe)
        let error = await #expect(throws: CredentialError.self) { try await service.lookup(Self.stripe) }
        guard case .recentlyMissing(let key, _)? = error else {
            Issue.record("expected recentlyMissing, got \(String(describing: error))")
            return
        }
        #expect(key == Self.stripe)
        #expect(source.reads == 1)
    }

    @Test("after the negative TTL a missing secret is read again")
    func missingExpires() async throws {
        let service = service()
        source.behave(.returnNil)
        _ = try? await service.lookup(Self.stripe)
        advance(30)
        source.behave(.answer)
        #expect(try await service.lookup(Self.stripe).credential.credential == ["token": "sk_fake_stripe"])
        #expect(source.reads == 2)
    }

    // MARK: Webhooks and shapes

    @Test("an unregistered webhook fails with unknownWebhook")
    func unknownWebhook() async {
        await #expect(throws: CredentialError.unknownWebhook(Self.stranger)) {
            try await service().lookup(Self.stranger)
        }
    }

    @Test("a value without its auth_type's shape fails with malformed, naming the field")
    func malformedValue() async {
        let error = await #expect(throws: CredentialError.self) { try await service().lookup(Self.key("HMAC_BAD", .inbound)) }
        guard case .malformed(let format)? = error else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
        #expect(format.field == "scheme")
    }

    @Test("a webhook whose source is not configured fails with sourceNotConfigured")
    func sourceNotConfigured() async {
        await #expect(throws: CredentialError.sourceNotConfigured(Self.key("FROM_ENV"), source: .env)) {
            try await service().lookup(Self.key("FROM_ENV"))
        }
    }

    @Test("auth_type none needs no source")
    func noneNeedsNoSource() async throws {
        let lookup = try await service().lookup(Self.key("OPEN"))
        #expect(lookup.credential.authType == AuthType.none)
        #expect(lookup.credential.credential == [:])
        #expect(source.reads == 0)
    }

    // MARK: OAuth2

    static let issued = IssuedToken(accessToken: "at-1", tokenType: "Bearer", expiresAt: start + 3600)

    @Test("an oauth2 webhook's credential is an issued token")
    func oauth2IssuesToken() async throws {
        let issuer = StubTokenIssuer(Self.issued)
        let lookup = try await service(issuer: issuer).lookup(Self.key("OAUTH"))
        #expect(lookup.credential.credential == [
            "access_token": "at-1", "token_type": "Bearer", "expires_at": .string(ISO8601.format(Self.start + 3600)),
        ])
        #expect(issuer.received == [OAuth2ClientCredentials(tokenURL: "https://auth.example/token", clientID: "cid", clientSecret: "cs-1")])
    }

    @Test("an issued token is renewed a minute before it expires")
    func oauth2ExpiresAMinuteEarly() async throws {
        let lookup = try await service(issuer: StubTokenIssuer(Self.issued)).lookup(Self.key("OAUTH"))
        #expect(lookup.credential.expiresAt == Self.start + 3540)
        #expect(Set(lookup.credential.secretValues) == ["at-1", "cs-1"])
    }

    @Test("an oauth2 webhook without a token issuer fails with sourceFailed")
    func oauth2WithoutIssuer() async {
        let error = await #expect(throws: CredentialError.self) { try await service().lookup(Self.key("OAUTH")) }
        guard case .sourceFailed(_, let failure)? = error else {
            Issue.record("expected sourceFailed, got \(String(describing: error))")
            return
        }
        #expect(failure.reason == .unavailable)
    }

    // MARK: Invalidation

    @Test("invalidate drops the L1 entry and invalidates the shared tier")
    func invalidateDropsBothTiers() async throws {
        let service = service()
        _ = try await service.lookup(Self.stripe)
        #expect(await service.invalidate(code: "STRIPE_PAYMENT", direction: .outbound) == 1)
        #expect(service.cachedLookup(Self.stripe) == nil)
        #expect(tier.invalidations == [.init(code: "STRIPE_PAYMENT", direction: .outbound)])
    }

    @Test("dropLocal drops L1 entries without telling the shared tier")
    func dropLocalStaysLocal() async throws {
        let service = service()
        _ = try await service.lookup(Self.stripe)
        service.dropLocal(code: nil, direction: nil)
        #expect(service.cachedLookup(Self.stripe) == nil)
        #expect(tier.invalidations.isEmpty)
    }

    // MARK: Concurrency

    @Test("concurrent lookups on a miss make one source read")
    func concurrentMissesReadOnce() async throws {
        let fixture = CredentialServiceTests(sourceDelay: .milliseconds(100))
        let service = fixture.service()
        let tokens = try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<20 {
                group.addTask { try await service.lookup(Self.stripe).credential.credential }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(tokens.count == 20)
        #expect(tokens.allSatisfy { $0 == ["token": "sk_fake_stripe"] })
        #expect(fixture.source.reads == 1)
    }
}

@Test func aLookupEncodedDirectlyMatchesItsJSONValue() throws {
    let key = try WebhookKey(code: "STRIPE", direction: .outbound)
    let credential = CachedCredential(authType: .basic, source: .infisical, credential: ["username": "u", "password": "p\"\n\u{2028}"],
                                      secretValues: ["p"], fetchedAt: 1)
    for (hit, tier, stale) in [(true, CredentialLookup.Tier.memory, false), (false, nil, false), (true, .memory, true)] as [(Bool, CredentialLookup.Tier?, Bool)] {
        let lookup = CredentialLookup(key: key, credential: credential, cacheHit: hit, tier: tier, ageSeconds: 1.23456, ttlSeconds: 300, stale: stale)
        var bytes: [UInt8] = []
        lookup.encode(into: &bytes)
        #expect(bytes == lookup.json.encoded())
    }
}
