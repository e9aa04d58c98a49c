import Crypto
import Dispatch
import Foundation
import HookCore
import HookJSON
import Synchronization

/// The shared credential tier (L2) on Redis: values encrypted with AES-GCM under a key only hookd
/// holds, so a Redis reader learns nothing; invalidations fan out on a pub/sub channel.
///
/// Redis is never allowed to slow or fail a caller: commands run on a private queue with short
/// timeouts, and after a failure the tier stays out of the way (reporting `degraded`) until a
/// backoff has passed, then tries again.
public final class RedisCredentialTier: SharedCredentialTier, @unchecked Sendable {
    // `connection` is only touched on `queue`; everything else is immutable or behind a Mutex.

    /// Format byte in front of every stored value, so the format can change later.
    private static let formatVersion: UInt8 = 1

    public let endpoint: RedisEndpoint
    private let keyPrefix: String
    private let encryptionKey: SymmetricKey
    private let health: HealthBoard
    private let queue = DispatchQueue(label: "hookd.redis")
    private var connection: RedisConnection?
    private let backoff = Mutex<(failures: Int, retryAt: ContinuousClock.Instant?)>((0, nil))
    private let instanceID = UUID().uuidString
    private var subscriber: RedisInvalidationListener?
    /// Which key this hookd uses, without revealing it: the first 8 hex digits of its SHA-256.
    public let keyID: String
    /// Stored values that did not decrypt: written under another key (or tampered with).
    private let undecryptable = Atomic<Int>(0)

    /// - Parameters:
    ///   - encryptionKey: 32 bytes (AES-256).
    ///   - onRemoteInvalidation: called (on the listener thread) when any hookd invalidates.
    public init(endpoint: RedisEndpoint, keyPrefix: String, encryptionKey: [UInt8], health: HealthBoard,
                onRemoteInvalidation: @escaping @Sendable (String?, WebhookDirection?) -> Void) {
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        self.encryptionKey = SymmetricKey(data: encryptionKey)
        self.health = health
        keyID = SHA256.hash(data: encryptionKey).prefix(4).map { String(format: "%02x", $0) }.joined()
        health.report("redis_encryption", .ok, detail: "key id \(keyID)")
        subscriber = RedisInvalidationListener(endpoint: endpoint, channel: keyPrefix + "invalidate", health: health, onMessage: onRemoteInvalidation)
        health.report("redis", .ok, detail: "connecting to \(endpoint)")
    }

    /// Stops the invalidation listener.
    public func shutdown() { subscriber?.stop() }

    public func load(_ key: WebhookKey) async -> CachedCredential? {
        let storageKey = storageKey(for: key)
        guard case .bulk(let sealed)? = await run([Array("GET".utf8), Array(storageKey.utf8)]) else { return nil }
        guard let plaintext = open(sealed, storageKey: storageKey), let value = try? JSONValue.parse(plaintext) else {
            // A miss, said on health: two hookd sharing this Redis with different keys never read
            // each other's values, but they do lose the shared tier, which an operator must know.
            let count = undecryptable.add(1, ordering: .relaxed).newValue
            health.report("redis_encryption", .degraded, detail: """
                key id \(keyID); \(count) stored value(s) did not decrypt, read as misses: \
                does a hookd sharing this Redis use another key?
                """)
            return nil
        }
        return CachedCredential(storedJSON: value)
    }

    public func store(_ credential: CachedCredential, for key: WebhookKey, ttlSeconds: Int) async {
        guard ttlSeconds > 0 else { return }
        let storageKey = storageKey(for: key)
        guard let sealed = seal(credential.storedJSON.encoded(), storageKey: storageKey) else { return }
        _ = await run([Array("SET".utf8), Array(storageKey.utf8), sealed, Array("EX".utf8), Array(String(ttlSeconds).utf8)])
    }

    public func invalidate(code: String?, direction: WebhookDirection?) async {
        if let code, let direction {
            _ = await run([Array("DEL".utf8), Array(storageKey(code: code, direction: direction).utf8)])
        } else {
            let pattern = keyPrefix + "cred:" + (code.map { "\($0):" } ?? "*") + (direction.map { $0.rawValue } ?? "*")
            await deleteMatching(pattern)
        }
        let message: JSONValue = [
            "code": code.map(JSONValue.string) ?? .null, "direction": direction.map { .string($0.rawValue) } ?? .null,
            "origin": .string(instanceID),
        ]
        _ = await run([Array("PUBLISH".utf8), Array((keyPrefix + "invalidate").utf8), message.encoded()])
    }

    /// The Redis key of a webhook's credential.
    public func storageKey(for key: WebhookKey) -> String { storageKey(code: key.code, direction: key.direction) }

    private func storageKey(code: String, direction: WebhookDirection) -> String { keyPrefix + "cred:\(code):\(direction.rawValue)" }

    // MARK: - Encryption

    /// nonce ‖ ciphertext ‖ tag, behind a format byte; the Redis key is authenticated data, so a
    /// value copied under another webhook's key does not decrypt.
    func seal(_ plaintext: [UInt8], storageKey: String) -> [UInt8]? {
        guard let box = try? AES.GCM.seal(plaintext, using: encryptionKey, authenticating: Array(storageKey.utf8)),
              let combined = box.combined else { return nil }
        return [Self.formatVersion] + Array(combined)
    }

    func open(_ sealed: [UInt8], storageKey: String) -> [UInt8]? {
        guard sealed.first == Self.formatVersion,
              let box = try? AES.GCM.SealedBox(combined: sealed.dropFirst()),
              let plaintext = try? AES.GCM.open(box, using: encryptionKey, authenticating: Array(storageKey.utf8))
        else { return nil }
        return Array(plaintext)
    }

    // MARK: - Commands

    private func deleteMatching(_ pattern: String) async {
        var cursor = "0"
        repeat {
            guard case .array(let parts)? = await run(["SCAN", cursor, "MATCH", pattern, "COUNT", "500"].map { Array($0.utf8) }),
                  parts.count == 2, case .bulk(let next) = parts[0], case .array(let keys) = parts[1] else { return }
            let names = keys.compactMap { reply -> [UInt8]? in if case .bulk(let name) = reply { name } else { nil } }
            if !names.isEmpty { _ = await run([Array("DEL".utf8)] + names) }
            cursor = String(decoding: next, as: UTF8.self)
        } while cursor != "0"
    }

    /// Runs one command on the private queue; nil when Redis is away (and then not retried
    /// until the backoff has passed, so callers never wait on a dead server).
    private func run(_ arguments: [[UInt8]]) async -> RedisReply? {
        if let retryAt = backoff.withLock({ $0.retryAt }), ContinuousClock.now < retryAt { return nil }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: execute(arguments)) }
        }
    }

    private func execute(_ arguments: [[UInt8]]) -> RedisReply? {
        do throws(RedisError) {
            let active: RedisConnection
            if let connection {
                active = connection
            } else {
                active = try endpoint.connect()
                connection = active
            }
            let reply = try active.command(arguments)
            let recovered = backoff.withLock { state -> Bool in
                defer { state = (0, nil) }
                return state.failures > 0
            }
            if recovered || health.status(of: "redis")?.status != .ok { health.report("redis", .ok, detail: "\(endpoint)") }
            return reply
        } catch {
            connection = nil
            let delay = backoff.withLock { state -> Duration in
                state.failures += 1
                // 0.5 s, 1 s, 2 s … up to 30 s between attempts while Redis is away.
                let seconds = min(30.0, 0.5 * Double(1 << min(state.failures - 1, 6)))
                state.retryAt = .now + .seconds(seconds)
                return .seconds(seconds)
            }
            health.report("redis", .degraded, detail: "\(error.message); retrying in \(delay)")
            return nil
        }
    }
}
