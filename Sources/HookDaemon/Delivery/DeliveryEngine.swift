import HookCore
import HookHTTP
import HookJSON
import HookStore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends the webhooks callers hand to `webhook.deliver`: from the durable queue, with the
/// credential applied inside hookd, retried by the schedule and the per-status policy, held back
/// by a per-webhook circuit breaker, each attempt logged and recorded for alerting.
///
/// At least once: a delivery leaves the queue only when an attempt's outcome is committed, and
/// deliveries found `in_flight` at start-up (hookd died while sending them) are sent again. Every
/// request carries `webhook-id` (the delivery's message id, stable across retries) so receivers
/// can drop the duplicate such a crash may cause.
final class DeliveryEngine: Service, Sendable {
    /// What the engine needs from the rest of the daemon.
    struct Dependencies: Sendable {
        var registry: WebhookRegistry
        var credentials: CredentialService
        var masker: Masker
        /// Writes a structured log line and publishes it under the MQTT topic.
        var emit: @Sendable (_ topic: String, _ render: @escaping @Sendable () -> JSONValue) -> Void
        /// Records an attempt's outcome for alerting, as `alert.record` would.
        var recordCall: @Sendable (CallRecord) -> Void
        /// Tells alerting of a change in a webhook's deliveries (breaker opened or closed, webhook
        /// disabled or enabled again, a delivery dead); alerting judges it and sends what it causes.
        var reportAlertChange: @Sendable (DeliveryAlertChange) -> Void
        /// Counts an attempt's fate for metrics: `delivered`, `retry` or `dead`.
        var recordAttempt: @Sendable (String) -> Void = { _ in }
        var logger: Logger
    }

    /// Attempts running at once over all webhooks.
    static let maximumInFlight = 256

    let settings: DeliverySettings
    let queue: DeliveryStore
    let blocking = BlockingQueue(label: "hookd.delivery")
    /// `webhook.deliver`'s deliveries, committed in groups.
    let intake: GroupCommit<NewDelivery, EnqueueResult>
    /// Attempts' outcomes, committed in groups.
    let outcomes: GroupCommit<DeliveryAttempt.Report, DeliveryRecord?>
    let waiters = DeliveryWaiters()
    let dependencies: Dependencies
    let http: HTTPClient
    private let wake = WakeSignal()
    let scheduler = Mutex(SchedulerState())

    /// The scheduler's view of what runs: per webhook, attempts running, deliveries claimed but
    /// waiting for a slot or for the breaker, and the breaker.
    struct SchedulerState: Sendable {
        var running: [String: Int] = [:]
        var waiting: [String: [DeliveryRecord]] = [:]
        var breakers: [String: CircuitBreaker] = [:]
        /// The `rate_per_second` buckets of webhooks that have one (monotonic seconds).
        var rates: [String: TokenBucket] = [:]
        /// Deliveries that got 401/403 and had their credential fetched afresh (once per
        /// delivery): a later 401/403 follows the schedule, and that one extra attempt does not
        /// count against it.
        var refreshed: Set<DeliveryRecord.ID> = []
        /// Webhooks found disabled: their deliveries stay in the queue until they are enabled.
        var disabled: Set<String> = []
        /// The definitions last read from the registry (`definition(_:)`): their delivery
        /// settings are the ones in force.
        var definitions: [WebhookKey: Webhook?] = [:]
        var totalRunning: Int { running.values.reduce(0, +) }
    }

    /// Opens the queue (creating it when missing) and starts the engine's HTTP client.
    /// - Throws: `StoreError` when the queue file cannot be opened.
    init(settings: DeliverySettings, queuePath: String, http: HTTPClient, dependencies: Dependencies) throws(StoreError) {
        self.settings = settings
        queue = try DeliveryStore(path: queuePath, limits: settings.queueLimits)
        let queue = self.queue
        intake = GroupCommit(blocking: blocking) { deliveries throws(StoreError) in
            try queue.enqueue(deliveries, now: SystemClock.wallSeconds())
        }
        outcomes = GroupCommit(blocking: blocking) { reports throws(StoreError) in try queue.recordAttempts(reports) }
        self.http = http
        self.dependencies = dependencies
    }

    /// Queues a delivery and wakes the scheduler.
    func enqueue(_ delivery: NewDelivery) async throws(StoreError) -> EnqueueResult {
        let result = try await intake.submit(delivery)
        if case .enqueued = result { wake.signal() }
        return result
    }

    /// Cancels a delivery that is not final yet.
    func cancel(_ id: DeliveryRecord.ID) async throws(StoreError) -> DeliveryQueueCancelResult {
        let queue = self.queue
        let result = try await blocking.run { () throws(StoreError) in try queue.cancel(id, now: SystemClock.wallSeconds()) }
        if case .cancelled(let record) = result {
            // Claimed but still waiting for a slot or the breaker: it must not go out now.
            scheduler.withLock { state in
                state.waiting[record.code]?.removeAll { $0.id == id }
                if state.waiting[record.code]?.isEmpty == true { state.waiting[record.code] = nil }
            }
            waiters.finished(record)
        }
        return result
    }

    /// Runs a read on the queue off the cooperative pool.
    func read<Value: Sendable>(_ body: @escaping @Sendable (DeliveryStore) throws(StoreError) -> Value) async throws(StoreError) -> Value {
        let queue = self.queue
        return try await blocking.run { () throws(StoreError) in try body(queue) }
    }

    /// Stops the HTTP client, for callers that run no `ServiceGroup` (tests); `run()` does it itself.
    func shutdown() async { await http.shutdown() }

    /// The webhook as the registry holds it (read at most once per `WebhookRegistry.recentLifetime`
    /// unless it changed), kept as the definition whose delivery settings are in force.
    func definition(_ key: WebhookKey) async throws(CredentialError) -> Webhook? {
        let webhook = try await dependencies.registry.recentWebhook(key)
        scheduler.withLock { state in
            if state.definitions.count > 10_000 { state.definitions.removeAll() }
            state.definitions.updateValue(webhook, forKey: key)
        }
        return webhook
    }

    /// Every webhook whose breaker has been used, and whether it holds deliveries back now (metrics).
    func breakersHoldingBack() -> [String: Bool] {
        let now = SystemClock.wallSeconds()
        return scheduler.withLock { state in state.breakers.mapValues { Self.holdsBack($0, now: now) } }
    }

    /// The breaker's state of a webhook, for `delivery.stats`.
    func breakerSnapshot(code: String) -> BreakerSnapshot {
        scheduler.withLock { $0.breakers[code]?.snapshot } ?? CircuitBreaker(settings: settings.breaker).snapshot
    }

    func run() async throws {
        let queue = self.queue
        let requeued = (try? await blocking.run { () throws(StoreError) in try queue.requeueInFlight(now: SystemClock.wallSeconds()) }) ?? 0
        if requeued > 0 {
            dependencies.logger.notice("delivery: \(requeued) deliveries were in flight when hookd stopped; sending them again")
        }
        await cancelWhenGracefulShutdown {
            var nextMaintenance = SystemClock.monotonicSeconds()
            var checkedGeneration = self.dependencies.registry.generation
            while !Task.isCancelled {
                if SystemClock.monotonicSeconds() >= nextMaintenance {
                    await self.maintain()
                    nextMaintenance = SystemClock.monotonicSeconds() + Self.maintenanceInterval
                }
                // The registry changed (an upsert may have enabled a disabled webhook): recheck now,
                // not at the next maintenance.
                let generation = self.dependencies.registry.generation
                if generation != checkedGeneration {
                    checkedGeneration = generation
                    await self.recheckDisabled()
                }
                let wait = await self.schedule()
                await self.wake.wait(timeout: wait)
            }
        }
        // Attempts under way finish (their outcome is committed) or, past the grace, stay
        // in flight and are sent again at the next start.
        let deadline = SystemClock.monotonicSeconds() + 10
        while scheduler.withLock({ $0.totalRunning }) > 0 && SystemClock.monotonicSeconds() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await http.shutdown()
    }

    /// Claims what is due, starts what may start, and says how long to sleep before looking again.
    private func schedule() async -> Double {
        let now = SystemClock.wallSeconds()
        let (excluded, free) = scheduler.withLock { state -> (Set<String>, Int) in
            var excluded = Set<String>()
            for (code, running) in state.running where running >= maxInFlight(of: code, in: state) { excluded.insert(code) }
            for (code, waiting) in state.waiting where !waiting.isEmpty { excluded.insert(code) }
            for (code, breaker) in state.breakers where Self.holdsBack(breaker, now: now) { excluded.insert(code) }
            excluded.formUnion(state.disabled)
            return (excluded, Self.maximumInFlight - state.totalRunning - state.waiting.values.reduce(0) { $0 + $1.count })
        }
        let queue = self.queue
        if free > 0 {
            do throws(StoreError) {
                let claimed = try await blocking.run { () throws(StoreError) in
                    try queue.claimDue(now: now, limit: free, excludingCodes: excluded)
                }
                scheduler.withLock { state in
                    for record in claimed { state.waiting[record.code, default: []].append(record) }
                }
            } catch {
                dependencies.logger.error("delivery: cannot read the queue: \(error)")
                return 1
            }
        }
        await refreshWaitingDefinitions()
        let rateHeld = startWaiting(now: now)
        await releaseRateSurplus(rateHeld.rates)
        // A delivery held back by its webhook's rate goes when the next token is there.
        let rateWait = rateHeld.nextTokenIn.map { max($0, 0.001) } ?? 1
        let next = try? await blocking.run { () throws(StoreError) in try queue.nextDueAt(excludingCodes: excluded) }
        guard let next = next ?? nil else { return min(rateWait, 1) }
        return min(max(next - SystemClock.wallSeconds(), 0.001), 1, rateWait)
    }

    /// How often final deliveries past their retention are pruned and disabled webhooks rechecked.
    static let maintenanceInterval: Double = 60

    /// Prunes final deliveries past their retention; lets the deliveries of webhooks enabled
    /// again go.
    private func maintain() async {
        let (queue, settings) = (self.queue, self.settings)
        do throws(StoreError) {
            let pruned = try await blocking.run { () throws(StoreError) in
                try queue.prune(now: SystemClock.wallSeconds(), deliveredRetention: settings.deliveredRetention,
                                deadRetention: settings.deadRetention)
            }
            if pruned > 0 { dependencies.logger.info("delivery: pruned \(pruned) final deliveries past their retention") }
        } catch {
            dependencies.logger.error("delivery: cannot prune the queue: \(error)")
        }
        await recheckDisabled()
    }

    /// Lets the deliveries of disabled webhooks that are enabled again (or deleted) go: the
    /// breaker starts afresh (resolving `delivery_failing`) and `webhook_disabled` resolves.
    private func recheckDisabled() async {
        for code in scheduler.withLock({ $0.disabled }) {
            guard let key = try? WebhookKey(code: code, direction: .outbound) else { continue }
            guard let webhook = try? await dependencies.registry.webhook(key) as Webhook?? else { continue }
            guard webhook?.enabled != false else { continue }
            let now = SystemClock.wallSeconds()
            let transitions = scheduler.withLock { state -> [BreakerTransition] in
                state.disabled.remove(code)
                return state.breakers[code]?.reset(now: now) ?? []
            }
            dependencies.logger.notice("delivery: \(code) is enabled again (or gone); its deliveries go out")
            for transition in transitions { announce(transition, code: code) }
            dependencies.reportAlertChange(.webhookEnabled(code: code))
        }
    }

    /// A webhook found disabled: its claimed deliveries go back to the queue unattempted and no
    /// more are claimed until it is enabled again.
    func holdBack(code: String, releasing ids: [DeliveryRecord.ID]) async {
        let waiting = scheduler.withLock { state -> [DeliveryRecord.ID] in
            state.disabled.insert(code)
            let waiting = state.waiting.removeValue(forKey: code) ?? []
            return waiting.map(\.id)
        }
        let queue = self.queue
        let all = ids + waiting
        _ = try? await blocking.run { () throws(StoreError) in try queue.release(all, nextAttemptAt: SystemClock.wallSeconds()) }
    }

    /// 410 Gone: the endpoint was removed for good. The webhook is disabled (its other deliveries
    /// wait, a new `webhook.deliver` is refused), the change announced and alerted.
    func disableGone(_ record: DeliveryRecord) async {
        await disable(code: record.code, direction: record.direction, reason: .gone, deliveryID: record.id)
    }

    /// Disables a webhook in the registry until an operator enables it again: its deliveries wait
    /// in the queue, `webhook/deliveries/<code>` hears of it and `webhook_disabled` fires.
    private func disable(code: String, direction: WebhookDirection, reason: WebhookDisableReason, deliveryID: DeliveryRecord.ID?) async {
        guard let key = try? WebhookKey(code: code, direction: direction) else { return }
        do throws(StoreError) {
            try await dependencies.registry.setEnabled(key, false, now: ISO8601.format(SystemClock.wallSeconds()))
        } catch {
            dependencies.logger.error("delivery: cannot disable \(code) (\(reason.rawValue)): \(error)")
        }
        await holdBack(code: code, releasing: [])
        dependencies.reportAlertChange(.webhookDisabled(code: code, reason: reason))
        dependencies.logger.warning("delivery: \(code): \(reason.explanation); the webhook is disabled until it is enabled again")
        var line: JSONObject = ["event": "webhook_disabled", "webhook_code": .string(code), "reason": .string(reason.rawValue),
                                "timestamp": .string(ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3))]
        if let deliveryID { line["delivery_id"] = .string(deliveryID.rawValue) }
        let rendered = JSONValue.object(line)
        dependencies.emit("webhook/deliveries/\(code)") { rendered }
    }

    /// Whether a webhook's breaker keeps its deliveries in the queue for now.
    private static func holdsBack(_ breaker: CircuitBreaker, now: Double) -> Bool {
        switch breaker.state {
        case .closed: false
        case .open(_, let retryAt): now < retryAt
        case .halfOpen, .disabled: true
        }
    }

    /// Deliveries a webhook's `rate_per_second` held back: the codes with their rate, and the
    /// seconds until the first of them may go.
    struct RateHeld {
        var rates: [String: Double] = [:]
        var nextTokenIn: Double?
    }

    /// Starts the claimed deliveries whose webhook has a free slot (its own `max_in_flight`, else
    /// the global one), a token of its `rate_per_second` if it has one, and a breaker that lets
    /// them go. Those held back stay claimed, unattempted.
    private func startWaiting(now: Double) -> RateHeld {
        var transitions: [(String, BreakerTransition)] = []
        let monotonicNow = SystemClock.monotonicSeconds()
        let (started, held) = scheduler.withLock { state -> ([DeliveryRecord], RateHeld) in
            var started: [DeliveryRecord] = []
            var held = RateHeld()
            for code in Array(state.waiting.keys) {
                var waiting = state.waiting[code] ?? []
                var breaker = breaker(for: code, in: state)
                var bucket = Self.rateBucket(for: code, in: state, now: monotonicNow)
                let limit = maxInFlight(of: code, in: state)
                while !waiting.isEmpty && state.running[code, default: 0] < limit {
                    if let bucket, case let tokenAt = bucket.nextTokenAt(now: monotonicNow), tokenAt > monotonicNow {
                        held.rates[code] = bucket.ratePerSecond
                        held.nextTokenIn = min(held.nextTokenIn ?? .infinity, tokenAt - monotonicNow)
                        break
                    }
                    var changes: [BreakerTransition] = []
                    let permitted = breaker.permitsAttempt(now: now, transitions: &changes)
                    transitions += changes.map { (code, $0) }
                    guard permitted else { break }
                    _ = bucket?.take(now: monotonicNow)
                    started.append(waiting.removeFirst())
                    state.running[code, default: 0] += 1
                }
                state.breakers[code] = breaker
                state.rates[code] = bucket
                state.waiting[code] = waiting.isEmpty ? nil : waiting
            }
            return (started, held)
        }
        for (code, transition) in transitions { announce(transition, code: code) }
        for record in started {
            Task {
                await self.attempt(record)
                self.scheduler.withLock { $0.running[record.code, default: 1] -= 1 }
                self.wake.signal()
            }
        }
        return held
    }

    /// Records one attempt's outcome with the breaker; its state changes become events.
    func noteBreaker(code: String, success: Bool) {
        let now = SystemClock.wallSeconds()
        let transitions = scheduler.withLock { state -> [BreakerTransition] in
            var breaker = breaker(for: code, in: state)
            let transitions = breaker.record(success: success, now: now)
            state.breakers[code] = breaker
            return transitions
        }
        for transition in transitions { announce(transition, code: code) }
    }

    /// A breaker's state change: logged, published to `webhook/deliveries/<code>` and alerted
    /// (opened fires `delivery_failing`, closed resolves it, disabled disables the webhook).
    private func announce(_ transition: BreakerTransition, code: String) {
        let (event, level): (String, Logger.Level) = switch transition {
        case .opened: ("breaker_opened", .warning)
        case .halfOpened: ("breaker_half_open", .info)
        case .closed: ("breaker_closed", .notice)
        case .disabled: ("breaker_disabled", .error)
        }
        dependencies.logger.log(level: level, "delivery: \(code): \(event)")
        let now = SystemClock.wallSeconds()
        var line: JSONObject = ["event": .string(event), "webhook_code": .string(code), "timestamp": .string(ISO8601.format(now, fractionalDigits: 3))]
        if case .opened(let failureRate, let requests) = transition {
            line["failure_rate"] = .double(failureRate)
            line["requests"] = .integer(Int64(requests))
        }
        let rendered = JSONValue.object(line)
        dependencies.emit("webhook/deliveries/\(code)") { rendered }
        switch transition {
        case .opened(let failureRate, _):
            let threshold = scheduler.withLock { $0.breakers[code]?.settings.failureRate } ?? settings.breaker.failureRate
            dependencies.reportAlertChange(.breakerOpened(code: code, failureRate: failureRate, threshold: threshold))
        case .closed:
            dependencies.reportAlertChange(.breakerClosed(code: code))
        case .disabled:
            // Breakers are per code; deliveries are outbound.
            Task { await self.disable(code: code, direction: .outbound, reason: .onlyFailures, deliveryID: nil) }
        case .halfOpened:
            break
        }
    }
}

extension DeliveryEngine {
    /// The engine as the daemon runs it: its queue in the state directory, its own HTTP client
    /// (NetworkPolicy enforced at connect time), log lines and alerting through the alert subsystem.
    static func make(configuration: DaemonConfiguration, directories: DaemonDirectories, credentials: CredentialSubsystem,
                     alerts: AlertSubsystem, logger: Logger) throws(StoreError) -> DeliveryEngine {
        let logging = configuration.structuredLogging
        let masker = Masker(enabled: logging.maskSensitive, extraHeaderNames: logging.extraMaskedHeaders, extraKeys: logging.extraMaskedKeys)
        let dependencies = Dependencies(
            registry: credentials.registry, credentials: credentials.service, masker: masker,
            emit: { topic, render in alerts.emit(topic: topic, render) },
            recordCall: { call in alerts.record(call) },
            reportAlertChange: { change in alerts.note(change) },
            recordAttempt: { outcome in alerts.metrics?.attempted(outcome: outcome) },
            logger: logger)
        let http = HTTPClient(configuration: .init(caFile: configuration.validation.caFile, maxConcurrentTransfers: maximumInFlight,
                                                   maxResponseBytes: configuration.http.maxResponseBytes,
                                                   addressScreen: configuration.network.addressScreen))
        let path = configuration.delivery.queuePath ?? directories.state + "/deliveries.db"
        return try DeliveryEngine(settings: configuration.delivery, queuePath: path, http: http, dependencies: dependencies)
    }
}
