import Dispatch
import HookCore
import HookRedis
import Logging
import Synchronization

/// Keeps the alert engine's view of a webhook's traffic combined across every hookd sharing the
/// Redis: `note` (the hot path) only adds to a local tally; once a second a background queue adds
/// the tally to Redis and hands the other processes' counts to the engine.
///
/// Redis being away never slows or fails `alert.record`: the tally waits (bounded) and the engine
/// judges this process's own calls alone until Redis is back.
final class SharedAlertCounts: Sendable {
    private struct TallyKey: Hashable {
        var code: String
        var bucket: Int64
    }

    private struct Tally {
        var total = 0
        var failed = 0
        var authFailures = 0
    }

    private let counter: RedisAlertCounter
    private let engine: AlertEngine
    private let health: HealthBoard
    private let logger: Logger
    private let pending = Mutex<[TallyKey: Tally]>([:])
    private let stopped = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "hookd.alerts.shared")
    /// Buckets waiting for Redis beyond this many are dropped (oldest first): memory stays bounded.
    static let maximumPendingBuckets = 10_000

    init(counter: RedisAlertCounter, engine: AlertEngine, health: HealthBoard, logger: Logger) {
        self.counter = counter
        self.engine = engine
        self.health = health
        self.logger = logger
    }

    /// Counts a call this process recorded, at the time the engine counted it (`Outcome.callTime`).
    func note(_ call: CallRecord, at time: Double) {
        let key = TallyKey(code: call.webhookCode, bucket: RedisAlertCounter.bucket(of: time))
        pending.withLock { pending in
            pending[key, default: Tally()].total += 1
            if !call.success { pending[key, default: Tally()].failed += 1 }
            if call.isAuthFailure { pending[key, default: Tally()].authFailures += 1 }
        }
    }

    /// Starts the once-a-second exchange with Redis.
    func start() {
        queue.asyncAfter(deadline: .now() + 1) { [self] in tick() }
    }

    /// Stops the exchange; what was counted so far still reaches Redis (off the caller's thread).
    func stop() async {
        stopped.store(true, ordering: .relaxed)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                exchange()
                continuation.resume()
            }
        }
    }

    /// Whether this process should send the event's notifications (false: another already has).
    /// When Redis cannot answer, it sends: a duplicate is better than silence.
    func claim(_ event: AlertEvent, holdSeconds: Int) async -> Bool {
        guard let type = event.type else { return true }  // a test alert goes out from whoever sends it
        return await withCheckedContinuation { continuation in
            queue.async { [counter, logger] in
                do throws(RedisError) {
                    continuation.resume(returning: try counter.claim(code: event.webhookCode, type: type, kind: event.kind, holdSeconds: holdSeconds))
                } catch {
                    logger.warning("alert claim: Redis did not answer; notifying anyway", metadata: ["error": "\(error.description)"])
                    continuation.resume(returning: true)
                }
            }
        }
    }

    private func tick() {
        guard !stopped.load(ordering: .relaxed) else { return }
        exchange()
        queue.asyncAfter(deadline: .now() + 1) { [self] in tick() }
    }

    private func exchange() {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        do throws(RedisError) {
            try counter.add(batch.map { key, tally in
                RedisAlertCounter.Increment(code: key.code, bucket: key.bucket, total: tally.total, failed: tally.failed,
                                            authFailures: tally.authFailures)
            })
        } catch {
            requeue(batch)  // not added: try again next second
            degraded(error)
            return
        }
        do throws(RedisError) {
            let others = try counter.otherProcessesCounts(codes: engine.trackedCodes, now: SystemClock.wallSeconds())
            engine.setRemoteCounts(others)
            health.report("alert_sharing", .ok, detail: "alert counts shared through Redis as \(counter.instance)")
        } catch {
            degraded(error)
        }
    }

    private func degraded(_ error: RedisError) {
        engine.setRemoteCounts([:])
        health.report("alert_sharing", .degraded, detail: "\(error.description); judging this process's calls alone")
    }

    private func requeue(_ batch: [TallyKey: Tally]) {
        pending.withLock { pending in
            for (key, tally) in batch {
                pending[key, default: Tally()].total += tally.total
                pending[key, default: Tally()].failed += tally.failed
                pending[key, default: Tally()].authFailures += tally.authFailures
            }
            if pending.count > Self.maximumPendingBuckets {
                let oldest = pending.keys.sorted { $0.bucket < $1.bucket }.prefix(pending.count - Self.maximumPendingBuckets)
                for key in oldest { pending[key] = nil }
            }
        }
    }
}
