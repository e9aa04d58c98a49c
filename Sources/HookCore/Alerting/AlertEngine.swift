import Synchronization
import HookNumbers

/// hookd's alerting: records call outcomes per webhook over a sliding window, judges the rules,
/// and moves each (webhook, alert type) through ok → firing → resolved, with repeats, silences
/// and history.
///
/// `record` is the hot path of `alert.record`: one lock, O(1) window updates and two cheap rules;
/// the latency rule (a percentile: a pass over the window's histogram, see ``CallWindow``) is
/// judged at most once a second per webhook there, and
/// always by `evaluate`, which the daemon calls on a timer so that alerts resolve when traffic stops.
///
/// The delivery alerts (`delivery_failing`, `webhook_disabled`, `delivery_dead`) are conditions the
/// delivery engine reports through `apply`; the same state machine judges them, with the same
/// repeats, silences, history and `send_resolved`, and a webhook's `alerting.enabled: false` mutes them too.
public final class AlertEngine: Sendable {
    /// An alert that is firing now.
    public struct ActiveAlert: Sendable, Equatable {
        public var webhookCode: String
        public var type: AlertType
        public var value: Double
        public var firstFiredAt: Double
        public var lastNotifiedAt: Double
        public var silencedUntil: Double?
    }

    private struct RuleState {
        var firstFiredAt: Double
        var lastNotifiedAt: Double
        var value: Double
    }

    private struct Webhook {
        var window: CallWindow
        var firing: [AlertType: RuleState] = [:]
        var latencyJudgedAt: Int64 = .min
        /// What the delivery engine reported (``DeliveryConditions``).
        var delivery = DeliveryConditions()
        /// Whether the delivery conditions are judged: set by `apply`, cleared once they are all
        /// clear and none of their alerts fires, so `record` pays one test for them, no more.
        var judgesDeliveryConditions = false

        /// Nothing left to remember: no call in the window, nothing firing, no delivery condition.
        var isQuiet: Bool { window.total == 0 && firing.isEmpty && !judgesDeliveryConditions }
    }

    /// One rule's judgement: whether its condition holds, the value judged and the threshold.
    private struct Verdict {
        var type: AlertType
        var breached: Bool
        var value: Double
        var threshold: Double
    }

    private struct Silence {
        var until: Double
        var reason: String
    }

    private struct State {
        var webhooks: [String: Webhook] = [:]
        /// Keyed by webhook code and alert type (nil: every type).
        var silences: [String: [AlertType?: Silence]] = [:]
        var history: [AlertEvent] = []
        var nextEventID = 1
        /// Registry thresholds by webhook code; the OUT definition's win over the IN one's.
        var overrides: [String: [WebhookDirection: AlertOverrides]] = [:]
        /// Other hosts' calls per webhook code, when counts are shared through Redis.
        var remote: [String: RemoteCallCounts] = [:]
    }

    public let settings: AlertingSettings
    public let host: String
    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    /// - Parameter now: wall-clock seconds since 1970; injectable so tests drive time.
    public init(settings: AlertingSettings, host: String, now: @escaping @Sendable () -> Double) {
        self.settings = settings
        self.host = host
        self.now = now
    }

    /// What recording a call did.
    public struct Outcome: Sendable {
        /// False when the call was too old to fall in the window, or refused (`refusedNewCode`).
        public var counted: Bool
        /// True when the call's code is new and `maxCodes` codes are tracked already.
        public var refusedNewCode = false
        /// The alert events it caused (usually none).
        public var events: [AlertEvent]
        /// When the call counts as made: its timestamp, clamped to now (what the window used).
        public var callTime: Double
    }

    /// Records one call and judges the rules.
    public func record(_ call: CallRecord) -> Outcome {
        let time = now()
        let second = Int64(clamping: time, rounding: .down)
        // Clamped: a caller's timestamp must not be able to trap the conversion (1e300, NaN).
        let callTime = call.timestamp.isFinite ? min(max(call.timestamp, 0), time) : time
        let callSecond = Int64(clamping: callTime, rounding: .down)
        return state.withLock { state -> Outcome in
            // Taken out of the table, not copied: a copy would make the next write duplicate the
            // whole window (copy-on-write) on every call.
            guard state.webhooks[call.webhookCode] != nil || state.webhooks.count < settings.maxCodes else {
                return Outcome(counted: false, refusedNewCode: true, events: [], callTime: callTime)
            }
            var webhook = state.webhooks.removeValue(forKey: call.webhookCode) ?? Webhook(window: CallWindow(seconds: settings.windowSeconds))
            webhook.window.advance(to: second)
            guard webhook.window.contains(callSecond) else {
                state.webhooks[call.webhookCode] = webhook
                return Outcome(counted: false, events: [], callTime: callTime)  // too old to count in the window
            }
            webhook.window.record(second: callSecond, success: call.success, authFailure: call.isAuthFailure, duration: call.duration)
            // The latency rule walks the window's histogram: at most once a second on this path.
            let judgeLatency = webhook.latencyJudgedAt < second
            if judgeLatency { webhook.latencyJudgedAt = second }
            let events = judge(&webhook, code: call.webhookCode, time: time, latency: judgeLatency, state: &state)
            state.webhooks[call.webhookCode] = webhook
            return Outcome(counted: true, events: events, callTime: callTime)
        }
    }

    /// Judges every webhook's rules at the current time (the timer): resolves alerts whose
    /// traffic stopped, sends repeats, judges latency, and lets go of quiet webhooks. The lock is
    /// taken once per webhook, so `record` never waits for more than one webhook's judging.
    public func evaluate() -> [AlertEvent] {
        let time = now()
        let second = Int64(clamping: time, rounding: .down)
        // Sorted outside the lock: with thousands of codes the sort would hold up `record`.
        let codes = state.withLock { Array($0.webhooks.keys) }.sorted()
        var events: [AlertEvent] = []
        for code in codes {
            events += state.withLock { state -> [AlertEvent] in
                guard var webhook = state.webhooks.removeValue(forKey: code) else { return [] }
                webhook.window.advance(to: second)
                webhook.latencyJudgedAt = second
                let judged = judge(&webhook, code: code, time: time, latency: true, state: &state)
                if !webhook.isQuiet {
                    state.webhooks[code] = webhook  // else nothing is left to remember
                }
                return judged
            }
        }
        return events
    }

    /// Applies a change the delivery engine reports (breaker opened or closed, webhook disabled or
    /// enabled, a delivery dead) and judges the webhook at once; returns the events it caused.
    ///
    /// Unlike `record`, a new code is never refused past `maxCodes`: these alerts matter most, and
    /// the codes come from the registry, not from callers.
    public func apply(_ change: DeliveryAlertChange) -> [AlertEvent] {
        let time = now()
        let second = Int64(clamping: time, rounding: .down)
        let code = change.code
        return state.withLock { state -> [AlertEvent] in
            var webhook = state.webhooks.removeValue(forKey: code) ?? Webhook(window: CallWindow(seconds: settings.windowSeconds))
            webhook.window.advance(to: second)
            webhook.delivery.apply(change, at: second)
            webhook.judgesDeliveryConditions = true
            let events = judge(&webhook, code: code, time: time, latency: false, state: &state)
            if !webhook.isQuiet { state.webhooks[code] = webhook }
            return events
        }
    }

    /// Replaces what other hookd processes recorded per webhook (from the shared Redis counts).
    public func setRemoteCounts(_ counts: [String: RemoteCallCounts]) {
        state.withLock { $0.remote = counts.filter { $0.value.total > 0 } }
    }

    /// The codes this process has calls or firing alerts for: whose shared counts it needs.
    public var trackedCodes: [String] {
        state.withLock { Array($0.webhooks.keys) }.sorted()
    }

    /// Sets (or, with nil or empty overrides, clears) a webhook's own thresholds from the registry.
    public func setOverrides(_ overrides: AlertOverrides?, for key: WebhookKey) {
        state.withLock { state in
            var byDirection = state.overrides[key.code] ?? [:]
            byDirection[key.direction] = (overrides?.isEmpty ?? true) ? nil : overrides
            state.overrides[key.code] = byDirection.isEmpty ? nil : byDirection
        }
    }

    /// The thresholds that apply to a webhook: the global ones with its registry overrides.
    public func effectiveSettings(for code: String) -> AlertingSettings {
        state.withLock { Self.effectiveSettings(settings, $0, code) }
    }

    private static func effectiveSettings(_ settings: AlertingSettings, _ state: State, _ code: String) -> AlertingSettings {
        // Most deployments set no overrides: skip hashing the code on every call then.
        guard !state.overrides.isEmpty, let byDirection = state.overrides[code],
              let overrides = byDirection[.outbound] ?? byDirection[.inbound] else { return settings }
        return overrides.applied(to: settings)
    }

    /// The window's numbers for one webhook (nil: no calls in the window).
    public func metrics(for code: String) -> WindowMetrics? {
        let second = Int64(clamping: now(), rounding: .down)
        return state.withLock { state -> WindowMetrics? in
            guard var webhook = state.webhooks.removeValue(forKey: code) else { return nil }
            webhook.window.advance(to: second)
            state.webhooks[code] = webhook
            var metrics = WindowMetrics(webhookCode: code, windowMinutes: settings.windowMinutes, window: webhook.window,
                                        activeAlerts: webhook.firing.keys.sorted { $0.rawValue < $1.rawValue })
            metrics.otherHosts = state.remote[code]
            return metrics
        }
    }

    /// Every webhook with calls in the window or a firing alert, by code.
    public func allMetrics() -> [WindowMetrics] {
        let codes = state.withLock { Array($0.webhooks.keys) }.sorted()
        return codes.compactMap(metrics(for:))
    }

    public func activeAlerts() -> [ActiveAlert] {
        let time = now()
        return state.withLock { state in
            // Only the codes with a firing alert are sorted, not every tracked code.
            state.webhooks.filter { !$0.value.firing.isEmpty }.keys.sorted().flatMap { code -> [ActiveAlert] in
                guard let webhook = state.webhooks[code] else { return [] }
                return webhook.firing.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { type in
                    guard let rule = webhook.firing[type] else { return nil }
                    return ActiveAlert(webhookCode: code, type: type, value: rule.value, firstFiredAt: rule.firstFiredAt,
                                       lastNotifiedAt: rule.lastNotifiedAt, silencedUntil: Self.silence(state, code, type, time)?.until)
                }
            }
        }
    }

    /// The newest events first, optionally for one webhook.
    public func history(webhookCode: String? = nil, limit: Int = 100) -> [AlertEvent] {
        state.withLock { state in
            Array(state.history.reversed().filter { webhookCode == nil || $0.webhookCode == webhookCode }.prefix(max(0, limit)))
        }
    }

    /// Mutes notifications for a webhook (one alert type, or all) until `until`; state is still tracked.
    public func silence(webhookCode: String, type: AlertType?, until: Double, reason: String) {
        let time = now()
        state.withLock { state in
            Self.dropExpiredSilences(&state, at: time)
            state.silences[webhookCode, default: [:]][type] = Silence(until: until, reason: reason)
        }
    }

    /// Lifts silences; returns how many were lifted.
    @discardableResult
    public func unsilence(webhookCode: String, type: AlertType?) -> Int {
        let time = now()
        return state.withLock { state in
            Self.dropExpiredSilences(&state, at: time)
            guard var silences = state.silences[webhookCode] else { return 0 }
            let before = silences.count
            if let type { silences[type] = nil } else { silences.removeAll() }
            state.silences[webhookCode] = silences.isEmpty ? nil : silences
            return before - silences.count
        }
    }

    /// A test alert through the normal path (history included), for `alert.test`.
    public func testEvent(webhookCode: String, severity: AlertSeverity) -> AlertEvent {
        let time = now()
        return state.withLock { state in
            let event = makeEvent(&state, kind: .test, code: webhookCode, type: nil, severity: severity, value: 0, threshold: 0,
                                  message: "Test alert for \(webhookCode) from hookd on \(host)", metrics: nil,
                                  firstFiredAt: time, time: time, silenced: false)
            return event
        }
    }

    // MARK: - Rules

    private func judge(_ webhook: inout Webhook, code: String, time: Double, latency: Bool, state: inout State) -> [AlertEvent] {
        let settings = Self.effectiveSettings(self.settings, state, code)
        if webhook.judgesDeliveryConditions {
            webhook.delivery.dropDead(outsideWindowOf: settings.windowSeconds, endingAt: Int64(clamping: time, rounding: .down))
        }
        defer {
            if webhook.judgesDeliveryConditions && webhook.delivery.isClear && !webhook.firing.keys.contains(where: \.isDeliveryCondition) {
                webhook.judgesDeliveryConditions = false
            }
        }
        guard settings.enabled else {
            webhook.firing.removeAll()  // alerting turned off for this webhook: nothing fires or waits to resolve
            return []
        }
        var events: [AlertEvent] = []
        var metrics: WindowMetrics? = nil
        func currentMetrics() -> WindowMetrics {
            if let metrics { return metrics }
            var fresh = WindowMetrics(webhookCode: code, windowMinutes: settings.windowMinutes, window: webhook.window, activeAlerts: [])
            fresh.otherHosts = state.remote[code]
            metrics = fresh
            return fresh
        }
        let window = webhook.window
        // Counts combine this process's window with other hosts' (shared through Redis); the
        // latency percentile needs the durations' histogram, so it judges this process's calls.
        let remote = (state.remote.isEmpty ? nil : state.remote[code]) ?? RemoteCallCounts(total: 0, failed: 0, authFailures: 0)
        let total = window.total + remote.total
        let failureRate = total == 0 ? 0 : Double(window.failed + remote.failed) / Double(total) * 100
        let authFailures = window.authFailures + remote.authFailures
        let enoughCalls = total >= settings.minCalls
        var verdicts: [Verdict] = [
            Verdict(type: .highFailureRate, breached: enoughCalls && failureRate > settings.failureRateThreshold, value: failureRate,
                    threshold: settings.failureRateThreshold),
            Verdict(type: .authFailures, breached: authFailures >= settings.authFailureThreshold, value: Double(authFailures),
                    threshold: Double(settings.authFailureThreshold)),
        ]
        if latency {
            let enoughLocalCalls = window.total >= settings.minCalls
            let p95 = enoughLocalCalls ? currentMetrics().p95Latency : 0
            verdicts.append(Verdict(type: .highLatency, breached: enoughLocalCalls && p95 > settings.latencyThresholdSeconds, value: p95,
                                    threshold: settings.latencyThresholdSeconds))
        }
        if webhook.judgesDeliveryConditions { verdicts += Self.deliveryVerdicts(webhook.delivery) }
        for verdict in verdicts {
            let type = verdict.type
            let silenced = Self.silence(state, code, type, time) != nil
            func event(_ kind: AlertEvent.Kind, message: String, firstFiredAt: Double) -> AlertEvent {
                makeEvent(&state, kind: kind, code: code, type: type, severity: type.severity, value: verdict.value,
                          threshold: verdict.threshold, message: message, metrics: currentMetrics(), firstFiredAt: firstFiredAt, time: time,
                          silenced: silenced || (kind == .resolved && !settings.sendResolved))
            }
            switch (webhook.firing[type], verdict.breached) {
            case (nil, true):
                webhook.firing[type] = RuleState(firstFiredAt: time, lastNotifiedAt: time, value: verdict.value)
                events.append(event(.firing, message: Self.message(verdict, webhook.delivery, settings), firstFiredAt: time))
            case (var rule?, true):
                rule.value = verdict.value
                if time - rule.lastNotifiedAt >= Double(settings.repeatIntervalMinutes * 60) {
                    rule.lastNotifiedAt = time
                    events.append(event(.repeat, message: Self.message(verdict, webhook.delivery, settings), firstFiredAt: rule.firstFiredAt))
                }
                webhook.firing[type] = rule
            case (let rule?, false):
                webhook.firing[type] = nil
                events.append(event(.resolved, message: Self.resolvedMessage(verdict, settings), firstFiredAt: rule.firstFiredAt))
            case (nil, false):
                break
            }
        }
        return events
    }

    /// The delivery alerts' verdicts, from what the delivery engine reported.
    private static func deliveryVerdicts(_ conditions: DeliveryConditions) -> [Verdict] {
        [
            Verdict(type: .deliveryFailing, breached: conditions.breakerFailureRate != nil, value: conditions.breakerFailureRate ?? 0,
                    threshold: conditions.breakerThreshold),
            Verdict(type: .webhookDisabled, breached: conditions.disabledReason != nil, value: conditions.disabledReason == nil ? 0 : 1,
                    threshold: 1),
            Verdict(type: .deliveryDead, breached: conditions.deadInWindow > 0, value: Double(conditions.deadInWindow), threshold: 1),
        ]
    }

    private func makeEvent(
        _ state: inout State, kind: AlertEvent.Kind, code: String, type: AlertType?, severity: AlertSeverity, value: Double,
        threshold: Double, message: String, metrics: WindowMetrics?, firstFiredAt: Double, time: Double, silenced: Bool
    ) -> AlertEvent {
        let event = AlertEvent(id: state.nextEventID, kind: kind, webhookCode: code, type: type, severity: severity, value: value,
                               threshold: threshold, message: message, metrics: metrics, firstFiredAt: firstFiredAt,
                               timestamp: time, host: host, silenced: silenced)
        state.nextEventID += 1
        state.history.append(event)
        if state.history.count > settings.historyLimit { state.history.removeFirst(state.history.count - settings.historyLimit) }
        return event
    }

    private static func dropExpiredSilences(_ state: inout State, at time: Double) {
        for code in Array(state.silences.keys) {
            let live = state.silences[code]?.filter { $0.value.until > time } ?? [:]
            state.silences[code] = live.isEmpty ? nil : live
        }
    }

    private static func silence(_ state: State, _ code: String, _ type: AlertType, _ time: Double) -> Silence? {
        guard let silences = state.silences[code] else { return nil }
        for candidate in [silences[type], silences[nil]] {
            if let silence = candidate, silence.until > time { return silence }
        }
        return nil
    }

    /// What a firing (or repeated) alert says.
    private static func message(_ verdict: Verdict, _ conditions: DeliveryConditions, _ settings: AlertingSettings) -> String {
        let (value, threshold) = (verdict.value, verdict.threshold)
        return switch verdict.type {
        case .highFailureRate: "High failure rate: \(number(value))% of calls failed (threshold \(number(threshold))%)"
        case .authFailures: "Authentication failures: \(Int(clamping: value)) calls got 401/403 (threshold \(Int(clamping: threshold)))"
        case .highLatency: "High latency: p95 \(number(value)) s (threshold \(number(threshold)) s)"
        case .deliveryFailing:
            "Delivery failing: the circuit breaker opened at \(number(value))% failed deliveries (threshold \(number(threshold))%); deliveries wait in the queue"
        case .webhookDisabled:
            "Webhook disabled: \((conditions.disabledReason ?? .gone).explanation); its deliveries wait in the queue until it is enabled again"
        case .deliveryDead:
            "Dead deliveries: \(deliveries(Int(clamping: value))) went dead in the last \(settings.windowMinutes) min"
        }
    }

    /// What a resolved alert says; `delivery_failing`'s is the "delivery recovered" notice.
    private static func resolvedMessage(_ verdict: Verdict, _ settings: AlertingSettings) -> String {
        switch verdict.type {
        case .highFailureRate, .authFailures, .highLatency:
            "Resolved: " + message(verdict, DeliveryConditions(), settings)
        case .deliveryFailing: "Recovered: the circuit breaker closed; deliveries go out again"
        case .webhookDisabled: "Resolved: the webhook is enabled again; its queued deliveries go out"
        case .deliveryDead: "Resolved: no delivery went dead in the last \(settings.windowMinutes) min"
        }
    }

    private static func number(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    private static func deliveries(_ count: Int) -> String { count == 1 ? "1 delivery" : "\(count) deliveries" }
}
