import HookJSON
import HookNumbers

/// The answer to `credential.get`: the credential and how the cache produced it.
public struct CredentialLookup: Sendable, Equatable {
    public enum Tier: String, Sendable {
        case memory, redis
    }

    public var key: WebhookKey
    public var credential: CachedCredential
    /// Whether a cache tier answered (false: fetched from the source just now).
    public var cacheHit: Bool
    public var tier: Tier?
    public var ageSeconds: Double
    public var ttlSeconds: Double
    /// Served past its TTL because the source could not be reached.
    public var stale: Bool

    /// `credential.get`'s result written straight into the reply, the same text as `json.encoded()`:
    /// the L1-hit path answers this way, with no tree to build.
    @inlinable
    public func encode<Output: JSONOutput>(into output: inout Output) {
        output.append(#"{"code":"#)
        JSONValue.string(key.code).encode(into: &output)
        output.append(#","direction":"#)
        JSONValue.string(key.direction.rawValue).encode(into: &output)
        output.append(#","auth_type":"#)
        JSONValue.string(credential.authType.rawValue).encode(into: &output)
        output.append(#","credential":"#)
        output.append(encoded: credential.encodedCredential)
        output.append(#","source":"#)
        JSONValue.string(credential.source.rawValue).encode(into: &output)
        output.append(#","cache":{"hit":"#)
        JSONValue.bool(cacheHit).encode(into: &output)
        output.append(#","tier":"#)
        (tier.map { JSONValue.string($0.rawValue) } ?? .null).encode(into: &output)
        output.append(#","age_s":"#)
        JSONValue.double((ageSeconds * 1000).rounded() / 1000).encode(into: &output)
        output.append(#","ttl_s":"#)
        JSONValue.double(ttlSeconds).encode(into: &output)
        if stale { output.append(#","stale":true"#) }
        output.append("}}")
    }

    /// `credential.get`'s result.
    public var json: JSONValue {
        var cache: JSONObject = [
            "hit": .bool(cacheHit), "tier": tier.map { .string($0.rawValue) } ?? .null,
            "age_s": .double((ageSeconds * 1000).rounded() / 1000), "ttl_s": .double(ttlSeconds),
        ]
        if stale { cache["stale"] = true }
        return [
            "code": .string(key.code), "direction": .string(key.direction.rawValue),
            "auth_type": .string(credential.authType.rawValue), "credential": credential.credential,
            "source": .string(credential.source.rawValue), "cache": .object(cache),
        ]
    }
}

/// Serves webhook credentials: L1 (memory), then L2 (Redis), then the webhook's source, with one
/// upstream call per key at a time, stale values when the source is down, and invalidation.
///
/// `cachedLookup` answers an L1 hit synchronously, with no task or hop; `lookup` does the rest.
public final class CredentialService: Sendable {
    public let cache: CredentialCache
    private let directory: WebhookDirectory
    private let sources: [CredentialSourceKind: CredentialSourceReader]
    private let shared: SharedCredentialTier?
    private let tokenIssuer: OAuth2TokenIssuer?
    private let health: HealthBoard
    private let wallClock: @Sendable () -> Double
    private let flights = SingleFlight<WebhookKey, Result<CredentialLookup, CredentialError>>()
    /// Signing secrets (`signing.credential`), by webhook: in memory only, with the credentials'
    /// TTL, dropped with them by `invalidate` and `dropLocal`.
    private let signingCache: CredentialCache
    private let signingFlights = SingleFlight<WebhookKey, Result<CachedCredential, CredentialError>>()
    private let observer: (any CredentialObserver)?

    public init(
        cache: CredentialCache, directory: WebhookDirectory, sources: [CredentialSourceKind: CredentialSourceReader],
        shared: SharedCredentialTier?, tokenIssuer: OAuth2TokenIssuer?, health: HealthBoard,
        wallClock: @escaping @Sendable () -> Double, observer: (any CredentialObserver)? = nil
    ) {
        self.observer = observer
        self.cache = cache
        self.directory = directory
        self.sources = sources
        self.shared = shared
        self.tokenIssuer = tokenIssuer
        self.health = health
        self.wallClock = wallClock
        signingCache = CredentialCache(configuration: cache.configuration, now: cache.now)
    }

    /// The hot path: an L1 hit within its TTL, or nil when the full lookup is needed.
    public func cachedLookup(_ key: WebhookKey) -> CredentialLookup? {
        guard case .fresh(let credential, let age, let ttl) = cache.lookup(key) else { return nil }
        observer?.lookup(tier: .memory, result: .hit)
        return CredentialLookup(key: key, credential: credential, cacheHit: true, tier: .memory, ageSeconds: age, ttlSeconds: ttl, stale: false)
    }

    /// The full lookup: L1, L2, then the source (one call per key however many callers wait).
    public func lookup(_ key: WebhookKey) async throws(CredentialError) -> CredentialLookup {
        switch cache.lookup(key) {
        case .fresh(let credential, let age, let ttl):
            observer?.lookup(tier: .memory, result: .hit)
            return CredentialLookup(key: key, credential: credential, cacheHit: true, tier: .memory, ageSeconds: age, ttlSeconds: ttl, stale: false)
        case .missing(let reason):
            observer?.lookup(tier: .memory, result: .negative)
            throw CredentialError.recentlyMissing(key, reason: reason)
        case .stale, .absent:
            observer?.lookup(tier: .memory, result: .miss)
        }
        return try await flights.run(key) { [self] in
            do throws(CredentialError) {
                return .success(try await fetch(key))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Drops cached credentials in both tiers (nil matches any) and tells other hookd processes.
    /// - Returns: how many L1 entries this process dropped.
    @discardableResult
    public func invalidate(code: String?, direction: WebhookDirection?) async -> Int {
        let dropped = dropLocal(code: code, direction: direction)
        await shared?.invalidate(code: code, direction: direction)
        return dropped
    }

    /// Drops L1 entries on another process's word (the Redis invalidation channel), and makes
    /// fetches already running for them store nothing and serve no caller who asks from now on.
    @discardableResult
    public func dropLocal(code: String?, direction: WebhookDirection?) -> Int {
        let dropped = cache.remove(code: code, direction: direction)
        _ = signingCache.remove(code: code, direction: direction)
        let matches = { (key: WebhookKey) in (code == nil || key.code == code) && (direction == nil || key.direction == direction) }
        flights.forget(where: matches)
        signingFlights.forget(where: matches)
        return dropped
    }

    /// The secret a webhook's deliveries are signed with (its `signing.credential`, an hmac
    /// credential): from memory within the TTL, else from its source, one read per webhook at a
    /// time. A source that cannot answer is bridged by the stale value, as for credentials.
    public func signingSecret(for webhook: Webhook, signing: WebhookSigning) async throws(CredentialError) -> CachedCredential {
        let key = webhook.key
        switch signingCache.lookup(key) {
        case .fresh(let credential, _, _): return credential
        case .missing(let reason): throw CredentialError.recentlyMissing(key, reason: reason)
        case .stale, .absent: break
        }
        return try await signingFlights.run(key) { [self] in
            let ticket = signingCache.beginFetch()
            guard let reader = sources[signing.source] else { return .failure(.sourceNotConfigured(key, source: signing.source)) }
            let text: String?
            do throws(CredentialSourceError) {
                text = try await reader.read(signing.reference, for: webhook)
            } catch {
                if case .stale(let credential, _) = signingCache.lookup(key), !error.reason.isDefinitionProblem { return .success(credential) }
                return .failure(.sourceFailed(key, error))
            }
            guard let text else {
                let missing = CredentialError.missing(key, source: signing.source, reference: signing.reference)
                signingCache.storeMissing(key, reason: missing.description, ticket: ticket)
                return .failure(missing)
            }
            do throws(CredentialFormatError) {
                let credential = try Credential.parse(text, authType: .hmac, webhook: key)
                let cached = CachedCredential(authType: .hmac, source: signing.source, credential: credential.json,
                                              secretValues: credential.secretValues, fetchedAt: wallClock())
                signingCache.store(cached, for: key, wallClock: wallClock(), ticket: ticket)
                return .success(cached)
            } catch {
                return .failure(.malformed(error))
            }
        }.get()
    }

    private func fetch(_ key: WebhookKey) async throws(CredentialError) -> CredentialLookup {
        let ttl = cache.configuration.ttlSeconds
        // Taken first: an invalidation (a rotation) from here on makes this fetch store nothing.
        let ticket = cache.beginFetch()
        if let shared, let stored = await shared.load(key) {
            let age = max(0, wallClock() - stored.fetchedAt)
            if age < ttl && (stored.expiresAt.map { $0 > wallClock() } ?? true) {
                cache.store(stored, for: key, ageSeconds: age, wallClock: wallClock(), ticket: ticket)
                observer?.lookup(tier: .redis, result: .hit)
                return CredentialLookup(key: key, credential: stored, cacheHit: true, tier: .redis, ageSeconds: age, ttlSeconds: ttl, stale: false)
            }
        }
        if shared != nil { observer?.lookup(tier: .redis, result: .miss) }
        guard let webhook = try await directory.webhook(key) else { throw .unknownWebhook(key) }
        do throws(CredentialError) {
            let fresh = try await fetchFromSource(webhook)
            if cache.store(fresh, for: key, wallClock: wallClock(), ticket: ticket), let shared {
                await shared.store(fresh, for: key, ttlSeconds: Int(clamping: ttl, rounding: .up))
                // An invalidation that arrived during the write must win in Redis too.
                if !cache.isCurrent(ticket, for: key) { await shared.invalidate(code: key.code, direction: key.direction) }
            }
            return CredentialLookup(key: key, credential: fresh, cacheHit: false, tier: nil, ageSeconds: 0, ttlSeconds: ttl, stale: false)
        } catch .sourceFailed(let failedKey, let error) where !error.reason.isDefinitionProblem {
            // A source that cannot answer must not take working webhooks down with it.
            if case .stale(let credential, let age) = cache.lookup(key) {
                observer?.lookup(tier: .memory, result: .stale)
                return CredentialLookup(key: key, credential: credential, cacheHit: true, tier: .memory, ageSeconds: age, ttlSeconds: ttl, stale: true)
            }
            throw .sourceFailed(failedKey, error)
        } catch .missing(let missingKey, let source, let reference) {
            cache.storeMissing(key, reason: CredentialError.missing(missingKey, source: source, reference: reference).description, ticket: ticket)
            throw .missing(missingKey, source: source, reference: reference)
        }
    }

    private func fetchFromSource(_ webhook: Webhook) async throws(CredentialError) -> CachedCredential {
        let key = webhook.key
        let source = webhook.credentialSource
        if webhook.authType == .none {
            return CachedCredential(authType: .none, source: source, credential: .object([:]), secretValues: [], fetchedAt: wallClock())
        }
        guard let reader = sources[source] else { throw .sourceNotConfigured(key, source: source) }
        let text: String?
        let started = wallClock()
        do throws(CredentialSourceError) {
            text = try await reader.read(webhook.credentialReference, for: webhook)
            health.report(source.rawValue, .ok)
        } catch {
            health.report(source.rawValue, .degraded, detail: error.message)
            observer?.sourceFetch(source: source, outcome: .error, seconds: max(0, wallClock() - started))
            throw .sourceFailed(key, error)
        }
        observer?.sourceFetch(source: source, outcome: text == nil ? .missing : .ok, seconds: max(0, wallClock() - started))
        guard let text else { throw .missing(key, source: source, reference: webhook.credentialReference) }
        let credential: Credential
        do throws(CredentialFormatError) {
            credential = try Credential.parse(text, authType: webhook.authType, webhook: key)
        } catch {
            throw .malformed(error)
        }
        guard case .oauth2ClientCredentials(let clientCredentials) = credential else {
            return CachedCredential(authType: webhook.authType, source: source, credential: credential.json,
                                    secretValues: credential.secretValues, fetchedAt: wallClock())
        }
        guard let tokenIssuer else {
            throw .sourceFailed(key, CredentialSourceError(.unavailable, "no OAuth2 token issuer is configured"))
        }
        let token: IssuedToken
        do throws(CredentialSourceError) {
            token = try await tokenIssuer.issueToken(clientCredentials, timeoutSeconds: webhook.timeoutSeconds,
                                                     allowInsecureHTTP: webhook.allowInsecureHTTP)
        } catch {
            throw .sourceFailed(key, error)
        }
        // Renew a minute before the token itself expires, so no caller receives a dying token.
        let refreshAt = max(wallClock(), token.expiresAt - 60)
        return CachedCredential(
            authType: webhook.authType, source: source,
            credential: ["access_token": .string(token.accessToken), "token_type": .string(token.tokenType),
                         "expires_at": .string(ISO8601.format(token.expiresAt))],
            secretValues: [token.accessToken, clientCredentials.clientSecret], fetchedAt: wallClock(), expiresAt: refreshAt)
    }
}
