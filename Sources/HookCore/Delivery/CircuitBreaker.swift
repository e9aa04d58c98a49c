/// One webhook's circuit breaker: stops sending while most recent deliveries fail, probes after
/// a cooldown, and disables a webhook that has done nothing but fail for days.
///
/// A value-type state machine with the time passed in (seconds, the caller's clock): no clock
/// reads, no I/O, so every transition can be tested to the second. Memory is fixed whatever the
/// request rate: the window is 30 time buckets (``FailureWindow``).
///
/// The one surprise: any outcome recorded while half-open is taken as the probe's, including a
/// late one from an attempt that started before the breaker opened. It is the newest news about
/// the receiver either way.
public struct CircuitBreaker: Sendable, Equatable {
    /// The state with what each state needs to remember.
    private enum Phase: Sendable, Equatable {
        case closed
        case open(openedAt: Double, retryAt: Double)
        /// `probeInFlight`: the one probe has been permitted and its outcome is not in yet.
        case halfOpen(openedAt: Double, probeInFlight: Bool)
        case disabled
    }

    public private(set) var settings: Settings
    private var phase: Phase = .closed
    private var window: FailureWindow
    /// The wait after the next opening: `settings.cooldown`, doubled after each failed probe up
    /// to `settings.maxCooldown`, back to `settings.cooldown` on closing.
    public private(set) var cooldown: Double
    /// The first failure after the last success (or since the start); nil after a success.
    public private(set) var failingSince: Double?

    /// A closed breaker with no history.
    public init(settings: Settings = .standard) {
        self.settings = settings
        window = FailureWindow(window: settings.window)
        cooldown = settings.cooldown
    }

    /// The state, for the workers (``BreakerState``).
    public var state: BreakerState {
        switch phase {
        case .closed: .closed
        case .open(let openedAt, let retryAt): .open(openedAt: openedAt, retryAt: retryAt)
        case .halfOpen: .halfOpen
        case .disabled: .disabled
        }
    }

    /// The state as `delivery.stats` shows it.
    public var snapshot: BreakerSnapshot {
        switch phase {
        case .closed: BreakerSnapshot(state: state.name)
        case .open(let openedAt, let retryAt): BreakerSnapshot(state: state.name, openedAt: openedAt, retryAt: retryAt)
        case .halfOpen(let openedAt, _): BreakerSnapshot(state: state.name, openedAt: openedAt)
        case .disabled: BreakerSnapshot(state: state.name)
        }
    }

    /// Whether an attempt may go out at `now`; ask right before each attempt.
    ///
    /// Closed: yes. Open: no until `retryAt`; then the breaker turns half-open and this attempt is
    /// the probe. Half-open: only while no probe is in flight. Disabled: never.
    public mutating func permitsAttempt(now: Double) -> Bool {
        var transitions: [BreakerTransition] = []
        return permitsAttempt(now: now, transitions: &transitions)
    }

    /// ``permitsAttempt(now:)``, appending `.halfOpened` to `transitions` when the cooldown ends.
    public mutating func permitsAttempt(now: Double, transitions: inout [BreakerTransition]) -> Bool {
        switch phase {
        case .closed:
            return true
        case .open(let openedAt, let retryAt):
            guard now >= retryAt else { return false }
            phase = .halfOpen(openedAt: openedAt, probeInFlight: true)
            transitions.append(.halfOpened)
            return true
        case .halfOpen(let openedAt, let probeInFlight):
            guard !probeInFlight else { return false }
            phase = .halfOpen(openedAt: openedAt, probeInFlight: true)
            return true
        case .disabled:
            return false
        }
    }

    /// Gives back a permitted probe that ended without an outcome (the delivery was cancelled, or
    /// hookd is stopping), so that the next attempt may probe instead of waiting forever.
    public mutating func releaseProbe() {
        if case .halfOpen(let openedAt, true) = phase {
            phase = .halfOpen(openedAt: openedAt, probeInFlight: false)
        }
    }

    /// Records an attempt's outcome and returns the transitions it caused, for alerts.
    ///
    /// Closed: a failure that brings the window to at least `minRequests` requests with at least
    /// `failureRate` percent failed opens it. Half-open: success closes it (window and cooldown
    /// reset); failure reopens it with the cooldown doubled, up to `maxCooldown`. Open: counted
    /// only. In any state but disabled, a failure `disableAfter` or more after the first failure
    /// since the last success disables it (and nothing else is returned). Disabled: ignored.
    /// - Parameter success: Whether the attempt counts as a success for the receiver's health.
    public mutating func record(success: Bool, now: Double) -> [BreakerTransition] {
        if case .disabled = phase { return [] }
        window.record(success: success, now: now)
        if success {
            failingSince = nil
        } else {
            let since = failingSince ?? now
            failingSince = since
            if now - since >= settings.disableAfter {
                phase = .disabled
                return [.disabled]
            }
        }
        switch phase {
        case .closed:
            let counts = window.counts(now: now)
            guard !success, counts.requests >= settings.minRequests,
                  Double(counts.failures) * 100 >= settings.failureRate * Double(counts.requests)
            else { return [] }
            phase = .open(openedAt: now, retryAt: now + cooldown)
            return [.opened(failureRate: counts.failurePercent, requests: counts.requests)]
        case .open:
            return []
        case .halfOpen(let openedAt, _):
            if success {
                phase = .closed
                window.removeAll()
                cooldown = settings.cooldown
                return [.closed]
            }
            cooldown = min(cooldown * 2, settings.maxCooldown)
            phase = .open(openedAt: openedAt, retryAt: now + cooldown)
            let counts = window.counts(now: now)
            return [.opened(failureRate: counts.failurePercent, requests: counts.requests)]
        case .disabled:
            return []
        }
    }

    /// Takes new settings (a webhook's `breaker` changed) and keeps the state: an open breaker
    /// stays open. A new window length starts the window afresh; the current cooldown is brought
    /// within the new cooldown and max_cooldown.
    public mutating func adopt(_ newSettings: Settings) {
        guard newSettings != settings else { return }
        if newSettings.window != settings.window { window = FailureWindow(window: newSettings.window) }
        settings = newSettings
        cooldown = min(max(cooldown, newSettings.cooldown), newSettings.maxCooldown)
    }

    /// Closes the breaker and forgets its history: an operator re-enabled the webhook.
    /// - Parameter now: When; the closed breaker keeps no time, so it only dates the call.
    /// - Returns: `[.closed]` when it was not closed (to resolve `delivery_failing`), else `[]`.
    @discardableResult
    public mutating func reset(now: Double) -> [BreakerTransition] {
        let wasClosed = phase == .closed
        self = CircuitBreaker(settings: settings)
        return wasClosed ? [] : [.closed]
    }
}
