import HookCore
import HookStore

extension DeliveryEngine {
    /// The webhook's own delivery settings (`retry`, `breaker`, `max_in_flight`,
    /// `rate_per_second`) as last read from the registry (`definition(_:)`, at most a second old
    /// and never past a registry change); none when it was not read or could not be.
    ///
    /// Breakers and slots are per code; a code names an OUT webhook unless only an IN one was read.
    static func overrides(of code: String, direction: WebhookDirection? = nil, in state: SchedulerState) -> DeliveryOverrides {
        let directions: [WebhookDirection] = direction.map { [$0] } ?? [.outbound, .inbound]
        for direction in directions {
            guard let key = try? WebhookKey(code: code, direction: direction) else { return DeliveryOverrides() }
            if let cached = state.definitions[key] { return cached?.delivery ?? DeliveryOverrides() }
        }
        return DeliveryOverrides()
    }

    /// Attempts at once to the webhook: its own `max_in_flight`, else `delivery.max_in_flight`.
    func maxInFlight(of code: String, in state: SchedulerState) -> Int {
        Self.overrides(of: code, in: state).maxInFlight ?? settings.maxInFlightPerWebhook
    }

    /// The webhook's breaker with the settings in force — `delivery.breaker` merged key by key
    /// with its own `breaker` — made when missing, given the new settings (state kept) when its
    /// definition changed.
    func breaker(for code: String, in state: SchedulerState) -> CircuitBreaker {
        let effective = Self.overrides(of: code, in: state).breaker.settings(over: settings.breaker)
        var breaker = state.breakers[code] ?? CircuitBreaker(settings: effective)
        breaker.adopt(effective)
        return breaker
    }

    /// The webhook's retry schedule: `delivery.retry` with its own `retry` over it.
    func retrySchedule(for record: DeliveryRecord) -> RetrySchedule {
        let overrides = scheduler.withLock { Self.overrides(of: record.code, direction: record.direction, in: $0) }
        return overrides.retry.schedule(over: settings.retry)
    }

    /// The webhook's `rate_per_second` bucket (burst 1), made full when the rate is new and given
    /// the new rate when it changed; nil when the webhook has no rate.
    /// - Parameter now: monotonic seconds (a rate must not jump with the wall clock).
    static func rateBucket(for code: String, in state: SchedulerState, now: Double) -> TokenBucket? {
        guard let rate = overrides(of: code, in: state).ratePerSecond else { return nil }
        guard var bucket = state.rates[code] else { return TokenBucket(ratePerSecond: rate, now: now) }
        bucket.adopt(ratePerSecond: rate, now: now)
        return bucket
    }

    /// Reads (through the cache of `definition(_:)`) the definitions of the webhooks with claimed
    /// deliveries, so that their own slots, rate and breaker are the ones in force when they start.
    func refreshWaitingDefinitions() async {
        let keys = scheduler.withLock { state in
            state.waiting.values.compactMap { records in records.first.flatMap { try? WebhookKey(code: $0.code, direction: $0.direction) } }
        }
        for key in keys {
            // A registry that cannot be read leaves the last definition (or the global settings)
            // in force here; the attempt itself reports `registry_unavailable`.
            _ = try? await definition(key)
        }
    }

    /// Claimed deliveries a rate-limited webhook holds beyond what it will send in the next
    /// `rateHoldSeconds` (and at least its slots): they go back to the queue, due when the ones
    /// kept will have gone, so that one slow rate does not fill the claim budget of every webhook.
    /// - Parameter blocked: the codes whose rate held deliveries back, with their rate.
    func releaseRateSurplus(_ blocked: [String: Double]) async {
        guard !blocked.isEmpty else { return }
        let now = SystemClock.wallSeconds()
        let surplus = scheduler.withLock { state -> [(ids: [DeliveryRecord.ID], dueAt: Double)] in
            var surplus: [(ids: [DeliveryRecord.ID], dueAt: Double)] = []
            for (code, rate) in blocked {
                guard var waiting = state.waiting[code] else { continue }
                let keep = max(maxInFlight(of: code, in: state), Int((rate * Self.rateHoldSeconds).rounded(.up)))
                guard waiting.count > keep else { continue }
                let released = waiting[keep...].map(\.id)
                waiting.removeSubrange(keep...)
                state.waiting[code] = waiting
                surplus.append((released, now + Double(keep) / rate))
            }
            return surplus
        }
        let queue = self.queue
        for (ids, dueAt) in surplus {
            do throws(StoreError) {
                _ = try await blocking.run { () throws(StoreError) in try queue.release(ids, nextAttemptAt: dueAt) }
            } catch {
                // Left in flight: the next start sends them (at least once).
                dependencies.logger.error("delivery: cannot give \(ids.count) rate-limited deliveries back to the queue: \(error)")
            }
        }
    }

    /// How much of a rate-limited webhook's work is kept claimed: its deliveries for this long.
    static let rateHoldSeconds: Double = 2
}
