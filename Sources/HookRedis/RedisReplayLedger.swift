import Crypto
import Foundation

/// The fleet's memory of inbound event ids: `inbound.verify` enters each valid request's id with
/// `SET NX EX`, so that the same request replayed to another hookd behind the same load balancer
/// is refused there too.
///
/// Keys hold a SHA-256 of the event id, never the id itself (Stripe's and Slack's ids are built
/// from the signature). Blocking (hiredis): call it off the event loops. A failed command drops
/// the connection, which the next call opens again.
public final class RedisReplayLedger: Sendable {
    private let keyPrefix: String
    private let connection: RedisLazyConnection

    /// A ledger on `endpoint` whose keys start with `keyPrefix` (`redis.key_prefix`).
    public init(endpoint: RedisEndpoint, keyPrefix: String) {
        connection = RedisLazyConnection(endpoint: endpoint)
        self.keyPrefix = keyPrefix
    }

    /// The Redis key of one webhook's event id.
    func ledgerKey(code: String, eventID: String) -> String {
        let digest = SHA256.hash(data: Array(eventID.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(keyPrefix)inbound-replay:\(code):\(digest)"
    }

    /// Enters an event id for `windowSeconds` (at least one) unless some hookd entered it already.
    /// - Returns: true when the id was new, false when it is a replay.
    public func claim(code: String, eventID: String, windowSeconds: Int) throws(RedisError) -> Bool {
        let reply = try connection.run(["SET", ledgerKey(code: code, eventID: eventID), "1", "NX", "EX", String(max(windowSeconds, 1))])
        switch reply {
        case .status, .bulk: return true
        case .null: return false
        case .error(let message): throw RedisError("replay ledger: \(message)")
        default: throw RedisError("replay ledger: SET NX gave an unexpected reply")
        }
    }
}
