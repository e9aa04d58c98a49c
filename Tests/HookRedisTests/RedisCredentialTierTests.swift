import Foundation
import HookCore
import HookJSON
import HookRedis
import Synchronization
import Testing

/// Invalidations a tier heard on the channel, in order.
final class HeardInvalidations: Sendable {
    struct Message: Sendable, Equatable {
        var code: String?
        var direction: WebhookDirection?
    }

    private let messages = Mutex<[Message]>([])

    var all: [Message] { messages.withLock { $0 } }

    func record(_ code: String?, _ direction: WebhookDirection?) {
        messages.withLock { $0.append(Message(code: code, direction: direction)) }
    }

    /// Waits until `message` was heard, for at most `seconds`.
    func wait(for message: Message, seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if all.contains(message) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return all.contains(message)
    }
}

/// `RedisCredentialTier` against the real redis-server that `make test` starts on a private socket.
@Suite("RedisCredentialTier")
struct RedisCredentialTierTests {
    static let key: [UInt8] = Array("0123456789abcdef0123456789abcdef".utf8)
    static let otherKey: [UInt8] = Array("fedcba9876543210fedcba9876543210".utf8)
    static let stripe = try! WebhookKey(code: "STRIPE_PAYMENT", direction: .outbound)
    static let secret = "sk_fake_never_in_redis_4242"

    static let credential = CachedCredential(
        authType: .bearer, source: .infisical, credential: ["token": .string(secret)], secretValues: [secret],
        fetchedAt: 1_800_000_000.5, expiresAt: 1_800_003_600)

    /// A fresh prefix per test, so tests never see each other's keys or messages.
    let prefix = "hookd-test-\(UUID().uuidString.prefix(8)):"
    let health = HealthBoard()
    let heard = HeardInvalidations()

    static func socketPath() throws -> String {
        try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_REDIS_SOCKET"],
                     "HOOKD_TEST_REDIS_SOCKET is not set: run the tests with `make test`, which starts redis-server")
    }

    func tier(encryptionKey: [UInt8] = key, health: HealthBoard? = nil, heard: HeardInvalidations? = nil) throws -> RedisCredentialTier {
        let heard = heard ?? self.heard
        return RedisCredentialTier(
            endpoint: RedisEndpoint(address: .unixSocket(try Self.socketPath())), keyPrefix: prefix, encryptionKey: encryptionKey,
            health: health ?? self.health, onRemoteInvalidation: { heard.record($0, $1) })
    }

    func redis() throws -> RedisConnection { try RedisConnection(unixSocketPath: try Self.socketPath()) }

    static func webhook(_ code: String, _ direction: WebhookDirection = .outbound) -> WebhookKey {
        try! WebhookKey(code: code, direction: direction)
    }

    func exists(_ storageKey: String) throws -> Bool { try redis().command("EXISTS", storageKey) == .integer(1) }

    // MARK: - Round trip and encryption

    @Test("a stored credential loads back unchanged")
    func roundTrip() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        #expect(await tier.load(Self.stripe) == Self.credential)
    }

    @Test("a key never stored loads nil")
    func absentLoadsNil() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        #expect(await tier.load(Self.stripe) == nil)
    }

    @Test("the stored value expires with the TTL given")
    func storedWithTTL() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        guard case .integer(let ttl) = try redis().command("TTL", tier.storageKey(for: Self.stripe)) else {
            Issue.record("TTL did not answer an integer")
            return
        }
        #expect((1...60).contains(ttl))
    }

    @Test("the raw value starts with format byte 1 and does not contain the secret")
    func rawValueIsSealed() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        guard case .bulk(let raw) = try redis().command("GET", tier.storageKey(for: Self.stripe)) else {
            Issue.record("the credential was not stored")
            return
        }
        #expect(raw.first == 1)
        #expect(!String(decoding: raw, as: UTF8.self).contains(Self.secret))
        #expect(!String(decoding: raw, as: UTF8.self).contains("token"))
    }

    @Test("a value copied under another webhook's key does not decrypt")
    func copiedValueDoesNotDecrypt() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        let other = Self.webhook("OTHER")
        let redis = try redis()
        guard case .bulk(let raw) = try redis.command("GET", tier.storageKey(for: Self.stripe)) else {
            Issue.record("the credential was not stored")
            return
        }
        _ = try redis.command([Array("SET".utf8), Array(tier.storageKey(for: other).utf8), raw])
        #expect(await tier.load(other) == nil)
    }

    @Test("a tier with another encryption key cannot read the value")
    func wrongKeyLoadsNil() async throws {
        let writer = try tier()
        let reader = try tier(encryptionKey: Self.otherKey, health: HealthBoard(), heard: HeardInvalidations())
        defer {
            writer.shutdown()
            reader.shutdown()
        }
        await writer.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        #expect(await reader.load(Self.stripe) == nil)
    }

    @Test("a value that is not sealed loads nil")
    func foreignValueLoadsNil() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        _ = try redis().command("SET", tier.storageKey(for: Self.stripe), #"{"token":"plain"}"#)
        #expect(await tier.load(Self.stripe) == nil)
    }

    // MARK: - Invalidation

    @Test("invalidate(code:direction:) deletes that webhook's key only")
    func invalidateOneKey() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        let inbound = Self.webhook("STRIPE_PAYMENT", .inbound)
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        await tier.store(Self.credential, for: inbound, ttlSeconds: 60)

        await tier.invalidate(code: "STRIPE_PAYMENT", direction: .outbound)
        #expect(try !exists(tier.storageKey(for: Self.stripe)))
        #expect(try exists(tier.storageKey(for: inbound)))
    }

    @Test("invalidate with a code and no direction deletes both directions of that code")
    func invalidateByCode() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        let keys = [Self.stripe, Self.webhook("STRIPE_PAYMENT", .inbound), Self.webhook("SLACK")]
        for key in keys { await tier.store(Self.credential, for: key, ttlSeconds: 60) }

        await tier.invalidate(code: "STRIPE_PAYMENT", direction: nil)
        #expect(try keys.map { try exists(tier.storageKey(for: $0)) } == [false, false, true])
    }

    @Test("invalidate with a direction and no code deletes that direction of every code")
    func invalidateByDirection() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        let keys = [Self.stripe, Self.webhook("SLACK"), Self.webhook("SLACK", .inbound)]
        for key in keys { await tier.store(Self.credential, for: key, ttlSeconds: 60) }

        await tier.invalidate(code: nil, direction: .outbound)
        #expect(try keys.map { try exists(tier.storageKey(for: $0)) } == [false, false, true])
    }

    @Test("a wildcard invalidate deletes every key of its prefix and none of another prefix")
    func invalidateEverything() async throws {
        let tier = try tier()
        let neighbour = RedisCredentialTier(
            endpoint: RedisEndpoint(address: .unixSocket(try Self.socketPath())), keyPrefix: "hookd-test-\(UUID().uuidString.prefix(8)):",
            encryptionKey: Self.key, health: HealthBoard(), onRemoteInvalidation: { _, _ in })
        defer {
            tier.shutdown()
            neighbour.shutdown()
        }
        let keys = (0..<30).map { Self.webhook("CODE_\($0)", $0.isMultiple(of: 2) ? .outbound : .inbound) }
        for key in keys { await tier.store(Self.credential, for: key, ttlSeconds: 60) }
        await neighbour.store(Self.credential, for: Self.stripe, ttlSeconds: 60)

        await tier.invalidate(code: nil, direction: nil)
        #expect(try keys.allSatisfy { try !exists(tier.storageKey(for: $0)) })
        #expect(try exists(neighbour.storageKey(for: Self.stripe)))
    }

    @Test("another tier on the same Redis hears an invalidation within 2 s")
    func invalidationReachesOtherTier() async throws {
        let sender = try tier(health: HealthBoard(), heard: HeardInvalidations())
        let receiver = try tier()
        defer {
            sender.shutdown()
            receiver.shutdown()
        }
        try await waitForSubscribers(2)

        await sender.invalidate(code: "STRIPE_PAYMENT", direction: .inbound)
        #expect(await heard.wait(for: .init(code: "STRIPE_PAYMENT", direction: .inbound), seconds: 2))
    }

    @Test("a wildcard invalidation arrives with nil code and direction")
    func wildcardInvalidationArrives() async throws {
        let sender = try tier(health: HealthBoard(), heard: HeardInvalidations())
        let receiver = try tier()
        defer {
            sender.shutdown()
            receiver.shutdown()
        }
        try await waitForSubscribers(2)

        await sender.invalidate(code: nil, direction: nil)
        #expect(await heard.wait(for: .init(code: nil, direction: nil), seconds: 2))
    }

    @Test("an idle invalidation listener does not report a healthy Redis as degraded")
    func idleListenerStaysHealthy() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(health.status(of: "redis")?.status == .ok, "\(String(describing: health.status(of: "redis")))")
    }

    @Test("an idle invalidation listener stays subscribed, so no invalidation is missed")
    func idleListenerStaysSubscribed() async throws {
        let tier = try tier()
        defer { tier.shutdown() }
        try await waitForSubscribers(1)
        var lowest: Int64 = .max
        let deadline = ContinuousClock.now + .milliseconds(1500)
        while ContinuousClock.now < deadline {
            lowest = min(lowest, try subscribers())
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(lowest == 1)
    }

    /// How many connections subscribe to this test's channel now.
    func subscribers() throws -> Int64 {
        guard case .array(let parts) = try redis().command("PUBSUB", "NUMSUB", prefix + "invalidate"), parts.count == 2,
              case .integer(let count) = parts[1] else { return -1 }
        return count
    }

    /// Waits until `count` connections subscribe to this test's channel.
    func waitForSubscribers(_ count: Int64) async throws {
        let channel = prefix + "invalidate"
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if try subscribers() >= count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("fewer than \(count) subscribers on \(channel) after 5 s")
    }

    // MARK: - Redis away

    @Test("a tier whose Redis is away answers nil promptly and reports redis degraded")
    func missingSocketIsPromptAndDegraded() async {
        let board = HealthBoard()
        let tier = RedisCredentialTier(
            endpoint: RedisEndpoint(address: .unixSocket("/tmp/hookd-test-no-such-\(UUID().uuidString.prefix(8)).sock")),
            keyPrefix: prefix, encryptionKey: Self.key, health: board, onRemoteInvalidation: { _, _ in })
        defer { tier.shutdown() }

        let started = ContinuousClock.now
        var loaded: [CachedCredential?] = []
        for _ in 0..<5 { loaded.append(await tier.load(Self.stripe)) }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(loaded.allSatisfy { $0 == nil })
        #expect(board.status(of: "redis")?.status == .degraded)
    }

    @Test("storing and invalidating with Redis away return promptly")
    func missingSocketStoreAndInvalidateArePrompt() async {
        let tier = RedisCredentialTier(
            endpoint: RedisEndpoint(address: .unixSocket("/tmp/hookd-test-no-such-\(UUID().uuidString.prefix(8)).sock")),
            keyPrefix: prefix, encryptionKey: Self.key, health: HealthBoard(), onRemoteInvalidation: { _, _ in })
        defer { tier.shutdown() }

        let started = ContinuousClock.now
        await tier.store(Self.credential, for: Self.stripe, ttlSeconds: 60)
        await tier.invalidate(code: nil, direction: nil)
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
