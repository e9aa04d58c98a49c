import HookCore
import HookNumbers
import HookRedis
import Logging

/// `webhook.deliver`'s idempotency across hosts: with Redis on, an `idempotency_key` is claimed in
/// Redis before the delivery is queued, so the same key sent to two hookds is delivered by the
/// first only. Each queue still de-duplicates on its own; this adds the fleet.
///
/// Redis unreachable: the delivery is queued with this host's idempotency alone (the reply says
/// `idempotency_scope: "host"`), rather than refused — a lost deliver is worse than a possible
/// duplicate, which `webhook-id` lets receivers drop.
final class FleetIdempotency: Sendable {
    /// What `webhook.deliver` should do with a keyed delivery.
    enum Admission: Sendable, Equatable {
        /// Queue it here. `claimed`: this host holds the key in Redis and must settle it.
        case queueHere(claimed: Bool)
        /// Another hookd queued this key already, as `deliveryID`.
        case deliveredElsewhere(instance: String, deliveryID: String)
        /// Another hookd claimed this key moments ago and has not confirmed it yet.
        case pendingElsewhere(instance: String)
        /// Redis could not be asked: queue it with this host's idempotency only.
        case hostOnly
    }

    /// How long a claim lasts unconfirmed: long enough for a group commit, short enough that a
    /// caller's retry after the claimant's crash is not refused for long.
    static let pendingSeconds = 30

    private let ledger: RedisIdempotencyLedger
    private let windowSeconds: Int
    private let blocking = BlockingQueue(label: "hookd.delivery.fleet")
    private let logger: Logger

    init(ledger: RedisIdempotencyLedger, windowSeconds: Double, logger: Logger) {
        self.ledger = ledger
        self.windowSeconds = Int(clamping: windowSeconds, rounding: .up)
        self.logger = logger
    }

    /// The fleet ledger of a daemon whose Redis is on; nil without Redis.
    static func make(configuration: DaemonConfiguration, host: String, queuePath: String, logger: Logger) -> FleetIdempotency? {
        guard configuration.redis.enabled else { return nil }
        let ledger = RedisIdempotencyLedger(endpoint: configuration.redis.endpoint, keyPrefix: configuration.redis.keyPrefix,
                                            instance: "\(host):\(queuePath)")
        return FleetIdempotency(ledger: ledger, windowSeconds: configuration.delivery.idempotencyWindow, logger: logger)
    }

    /// Claims `key` for this host, or says who holds it.
    func admit(code: String, key: String) async -> Admission {
        let ledger = ledger
        let result = await blocking.run { () -> Result<RedisIdempotencyLedger.Holder, RedisError> in
            Result { () throws(RedisError) in try ledger.claim(code: code, idempotencyKey: key, pendingSeconds: Self.pendingSeconds) }
        }
        switch result {
        case .success(.claimedNow):
            return .queueHere(claimed: true)
        case .success(.held(let instance, _)) where instance == ledger.instance:
            return .queueHere(claimed: true)  // this queue's own key: its own store answers, or queues it after a crash
        case .success(.held(let instance, let deliveryID?)):
            return .deliveredElsewhere(instance: instance, deliveryID: deliveryID)
        case .success(.held(let instance, nil)):
            return .pendingElsewhere(instance: instance)
        case .failure(let error):
            logger.warning("delivery: idempotency across hosts unavailable, this host's only: \(error.description)")
            return .hostOnly
        }
    }

    /// Settles a claim once the queue answered: confirmed with the delivery's id, or released when
    /// nothing was queued (`queued` nil). A failure only costs the fleet check for this key, so it
    /// is logged.
    func settle(code: String, key: String, queued: DeliveryRecord.ID?) async {
        let (ledger, window) = (ledger, windowSeconds)
        let outcome = await blocking.run { () -> Result<Void, RedisError> in
            Result { () throws(RedisError) in
                if let queued {
                    try ledger.confirm(code: code, idempotencyKey: key, deliveryID: queued.rawValue, windowSeconds: window)
                } else {
                    try ledger.release(code: code, idempotencyKey: key)
                }
            }
        }
        if case .failure(let error) = outcome {
            logger.warning("delivery: cannot record an idempotency key across hosts: \(error.description)")
        }
    }
}
