import Crypto
import Foundation

/// The fleet's record of which hookd took each `(webhook, idempotency_key)`, so that the same key
/// sent to two hosts is delivered once. A key is first claimed for a short while (the claimant is
/// committing it to its own queue), then confirmed with the delivery's id for the idempotency
/// window; a claimant that dies before confirming lets its claim lapse, so the caller's retry
/// elsewhere is not refused forever.
///
/// Keys hold a SHA-256 of the caller's key, never the key itself. Blocking (hiredis): call it off
/// the event loops. A failed command drops the connection, which the next call opens again.
public final class RedisIdempotencyLedger: Sendable {
    /// Who holds a key.
    public enum Holder: Sendable, Equatable {
        /// Nobody did: this instance holds it now, pending its confirmation.
        case claimedNow
        /// An instance holds it; `deliveryID` is nil while that instance has not confirmed.
        case held(instance: String, deliveryID: String?)
    }

    private let keyPrefix: String
    /// This queue among the fleet's: written into the keys it claims.
    public let instance: String
    private let connection: RedisLazyConnection

    public init(endpoint: RedisEndpoint, keyPrefix: String, instance: String) {
        connection = RedisLazyConnection(endpoint: endpoint)
        self.keyPrefix = keyPrefix
        self.instance = instance
    }

    /// The Redis key of one webhook's idempotency key.
    func ledgerKey(code: String, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Array(idempotencyKey.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(keyPrefix)delivery-idempotency:\(code):\(digest)"
    }

    /// Claims a key for `pendingSeconds` unless someone holds it; says who does.
    public func claim(code: String, idempotencyKey: String, pendingSeconds: Int) throws(RedisError) -> Holder {
        let reply = try run(["EVAL", Self.claimScript, "1", ledgerKey(code: code, idempotencyKey: idempotencyKey),
                             instance, String(max(pendingSeconds, 1))])
        switch reply {
        case .null:
            return .claimedNow
        case .bulk(let value):
            return Self.holder(from: String(decoding: value, as: UTF8.self))
        default:
            throw RedisError("claiming an idempotency key gave an unexpected reply")
        }
    }

    /// Records the delivery this instance queued for a key it holds, for `windowSeconds`. A key
    /// another instance holds meanwhile (this claim lapsed) is left as it is; the answer says so.
    @discardableResult
    public func confirm(code: String, idempotencyKey: String, deliveryID: String, windowSeconds: Int) throws(RedisError) -> Bool {
        let reply = try run(["EVAL", Self.confirmScript, "1", ledgerKey(code: code, idempotencyKey: idempotencyKey),
                             instance, deliveryID, String(max(windowSeconds, 1))])
        return reply == .integer(1)
    }

    /// Gives up a claim this instance holds without having queued anything (the queue was full).
    public func release(code: String, idempotencyKey: String) throws(RedisError) {
        _ = try run(["EVAL", Self.releaseScript, "1", ledgerKey(code: code, idempotencyKey: idempotencyKey), instance])
    }

    /// A stored value: the instance, then (once confirmed) the ASCII unit separator and the
    /// delivery id.
    static func holder(from value: String) -> Holder {
        guard let separator = value.lastIndex(of: "\u{1F}") else { return .held(instance: value, deliveryID: nil) }
        return .held(instance: String(value[..<separator]), deliveryID: String(value[value.index(after: separator)...]))
    }

    private func run(_ arguments: [String]) throws(RedisError) -> RedisReply {
        let reply = try connection.run(arguments)
        if case .error(let message) = reply { throw RedisError("idempotency ledger: \(message)") }
        return reply
    }

    /// KEYS: the ledger key; ARGV: instance, pending seconds. Returns the holder's value, or nil
    /// after claiming the key.
    static let claimScript = """
        local held = redis.call('GET', KEYS[1])
        if held then return held end
        redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
        return false
        """

    /// KEYS: the ledger key; ARGV: instance, delivery id, window seconds. Confirms when the key is
    /// unheld or held by this instance (1), leaves another's alone (0). The separator is the
    /// ASCII unit separator, which neither host names nor paths nor delivery ids contain.
    static let confirmScript = """
        local held = redis.call('GET', KEYS[1])
        if held and held ~= ARGV[1] and string.sub(held, 1, #ARGV[1] + 1) ~= ARGV[1] .. '\\31' then return 0 end
        redis.call('SET', KEYS[1], ARGV[1] .. '\\31' .. ARGV[2], 'EX', ARGV[3])
        return 1
        """

    /// KEYS: the ledger key; ARGV: instance. Deletes an unconfirmed claim of this instance.
    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
}
