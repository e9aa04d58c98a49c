import HookCore
import Testing

/// Issue 12, "alerts on every state change": the delivery engine reports breaker, disable and
/// dead-delivery changes, and the alert state machine judges them like the window's rules.
struct AlertEngineDeliveryConditionTests {
    let clock = ManualClock(1_800_000_000)  // shared with the cache tests (CredentialCacheTests.swift)

    func engine(_ configure: (inout AlertingSettings) -> Void = { _ in }) -> AlertEngine {
        var settings = AlertingSettings()
        configure(&settings)
        return AlertEngine(settings: settings, host: "test-host", now: { [clock] in clock.now })
    }

    /// The change that makes each delivery alert fire, for the tests every type shares.
    static let firingChanges: [DeliveryAlertChange] = [
        .breakerOpened(code: "STRIPE", failureRate: 80, threshold: 70),
        .webhookDisabled(code: "STRIPE", reason: .gone),
        .deliveryDead(code: "STRIPE"),
    ]

    /// The alert type each of `firingChanges` fires.
    static func type(firedBy change: DeliveryAlertChange) -> AlertType {
        switch change {
        case .breakerOpened, .breakerClosed: .deliveryFailing
        case .webhookDisabled, .webhookEnabled: .webhookDisabled
        case .deliveryDead: .deliveryDead
        }
    }

    // MARK: - Each condition

    @Test func anOpenBreakerFiresDeliveryFailingOnceAsAWarningAndItsCloseIsTheRecoveredNotice() throws {
        let engine = engine()
        let fired = engine.apply(.breakerOpened(code: "STRIPE", failureRate: 80, threshold: 70))
        #expect(fired.map(\.kind) == [.firing])
        let event = try #require(fired.first)
        #expect(event.type == .deliveryFailing)
        #expect(event.severity == .warning)
        #expect(event.value == 80 && event.threshold == 70)
        #expect(event.message.contains("80.0%") && event.message.contains("70.0%"), "\(event.message)")
        #expect(engine.apply(.breakerOpened(code: "STRIPE", failureRate: 90, threshold: 70)).isEmpty, "a failed probe reopens: no second firing")
        #expect(engine.activeAlerts().first?.value == 90, "the value follows the latest opening")
        let resolved = engine.apply(.breakerClosed(code: "STRIPE"))
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.type == .deliveryFailing)
        #expect(resolved.first?.message.hasPrefix("Recovered: ") == true, "\(resolved.first?.message ?? "")")
        #expect(resolved.first?.dedupKey == event.dedupKey, "the resolve carries its trigger's dedup key")
        #expect(engine.apply(.breakerClosed(code: "STRIPE")).isEmpty, "closing a closed breaker resolves nothing")
        #expect(engine.activeAlerts().isEmpty)
    }

    @Test func aDisabledWebhookFiresCriticalSayingWhyAndResolvesWhenEnabled() throws {
        let engine = engine()
        let gone = try #require(engine.apply(.webhookDisabled(code: "STRIPE", reason: .gone)).first)
        #expect(gone.kind == .firing && gone.type == .webhookDisabled && gone.severity == .critical)
        #expect(gone.message.contains("410 Gone"), "\(gone.message)")
        let resolved = engine.apply(.webhookEnabled(code: "STRIPE"))
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.type == .webhookDisabled)

        let failing = try #require(engine.apply(.webhookDisabled(code: "ADYEN", reason: .onlyFailures)).first)
        #expect(failing.message.contains("disable_after"), "\(failing.message)")
        #expect(engine.apply(.webhookDisabled(code: "ADYEN", reason: .onlyFailures)).isEmpty, "already firing")
    }

    @Test func deadDeliveriesCountInTheWindowAndResolveOnlyAfterAWholeWindowWithoutOne() throws {
        let engine = engine { $0.windowMinutes = 1 }
        let fired = try #require(engine.apply(.deliveryDead(code: "STRIPE")).first)
        #expect(fired.kind == .firing && fired.type == .deliveryDead && fired.severity == .error)
        #expect(fired.value == 1)
        #expect(fired.message.contains("1 delivery went dead in the last 1 min"), "\(fired.message)")
        clock.advance(10)
        #expect(engine.apply(.deliveryDead(code: "STRIPE")).isEmpty, "still firing: no second notification")
        #expect(engine.activeAlerts().first?.value == 2)
        clock.advance(55)  // the first dead delivery left the window, the second has not
        #expect(engine.evaluate().isEmpty)
        #expect(engine.activeAlerts().first?.value == 1)
        clock.advance(10)  // 65 s after the last dead delivery
        let resolved = engine.evaluate()
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.type == .deliveryDead)
        #expect(resolved.first?.message.hasPrefix("Resolved: ") == true)
        #expect(engine.activeAlerts().isEmpty)
    }

    @Test(arguments: firingChanges)
    func aFiringDeliveryAlertRepeatsEveryRepeatInterval(change: DeliveryAlertChange) {
        let engine = engine { $0.repeatIntervalMinutes = 1; $0.windowMinutes = 10 }
        #expect(engine.apply(change).map(\.kind) == [.firing])
        clock.advance(59)
        #expect(engine.evaluate().isEmpty)
        clock.advance(1)
        let repeated = engine.evaluate()
        #expect(repeated.map(\.kind) == [.repeat])
        #expect(repeated.first?.type == Self.type(firedBy: change))
        clock.advance(30)
        #expect(engine.evaluate().isEmpty)
        #expect(engine.history(webhookCode: "STRIPE").map(\.kind) == [.repeat, .firing])
    }

    // MARK: - Silences, switches and the timer

    @Test(arguments: firingChanges)
    func aSilencedDeliveryAlertIsTrackedAndRecordedButNotSent(change: DeliveryAlertChange) {
        let engine = engine()
        let type = Self.type(firedBy: change)
        engine.silence(webhookCode: "STRIPE", type: type, until: clock.now + 600, reason: "provider incident")
        let events = engine.apply(change)
        #expect(events.map(\.kind) == [.firing])
        #expect(events.allSatisfy { $0.silenced })
        #expect(engine.activeAlerts().map(\.type) == [type])
        #expect(engine.activeAlerts().first?.silencedUntil == clock.now + 600)
        #expect(engine.history().count == 1)
    }

    @Test func aSilenceOfAnotherTypeLeavesTheDeliveryAlertsLoud() {
        let engine = engine()
        engine.silence(webhookCode: "STRIPE", type: .highFailureRate, until: clock.now + 600, reason: "")
        #expect(engine.apply(.breakerOpened(code: "STRIPE", failureRate: 100, threshold: 70)).first?.silenced == false)
    }

    @Test(arguments: firingChanges)
    func aWebhooksAlertingSwitchedOffMutesItsDeliveryAlertsUntilSwitchedOn(change: DeliveryAlertChange) throws {
        let engine = engine()
        let key = try WebhookKey(code: "STRIPE", direction: .outbound)
        engine.setOverrides(AlertOverrides(enabled: false), for: key)
        #expect(engine.apply(change).isEmpty)
        #expect(engine.activeAlerts().isEmpty)
        #expect(engine.evaluate().isEmpty)
        engine.setOverrides(nil, for: key)
        let events = engine.evaluate()
        #expect(events.map(\.kind) == [.firing], "the condition was remembered")
        #expect(events.first?.type == Self.type(firedBy: change))
    }

    @Test func alertingSwitchedOffGloballyFiresNoDeliveryAlert() {
        let engine = engine { $0.enabled = false }
        for change in Self.firingChanges { #expect(engine.apply(change).isEmpty) }
        #expect(engine.evaluate().isEmpty)
    }

    @Test func anOpenBreakerOrDisabledWebhookSurvivesTheTimerWithoutCallsAndQuietOnesAreLetGo() {
        let engine = engine { $0.windowMinutes = 1 }
        _ = engine.apply(.breakerOpened(code: "STRIPE", failureRate: 100, threshold: 70))
        _ = engine.apply(.webhookDisabled(code: "ADYEN", reason: .gone))
        clock.advance(600)
        #expect(engine.evaluate().isEmpty, "no calls for ten windows resolve neither")
        #expect(engine.activeAlerts().map(\.type) == [.webhookDisabled, .deliveryFailing])
        #expect(engine.trackedCodes == ["ADYEN", "STRIPE"])
        #expect(engine.apply(.breakerClosed(code: "STRIPE")).map(\.kind) == [.resolved])
        #expect(engine.apply(.webhookEnabled(code: "ADYEN")).map(\.kind) == [.resolved])
        _ = engine.evaluate()
        #expect(engine.trackedCodes.isEmpty, "nothing left to remember")
        #expect(engine.metrics(for: "STRIPE") == nil)
    }

    @Test func resolvedDeliveryNotificationsCanBeTurnedOff() {
        let engine = engine { $0.sendResolved = false }
        _ = engine.apply(.breakerOpened(code: "STRIPE", failureRate: 100, threshold: 70))
        let resolved = engine.apply(.breakerClosed(code: "STRIPE"))
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.silenced == true)
    }

    // MARK: - Beside the window's rules

    @Test func callsNeitherResolveNorRefireADeliveryAlertAndTheWindowRulesStillJudge() {
        let engine = engine()
        _ = engine.apply(.breakerOpened(code: "STRIPE", failureRate: 100, threshold: 70))
        var events: [AlertEvent] = []
        for _ in 0..<10 {
            events += engine.record(CallRecord(webhookCode: "STRIPE", success: false, duration: 0.1, statusCode: 500, timestamp: clock.now)).events
        }
        #expect(events.map(\.type) == [.highFailureRate], "\(events.map(\.message))")
        for _ in 0..<200 {
            events += engine.record(CallRecord(webhookCode: "STRIPE", success: true, duration: 0.1, timestamp: clock.now)).events
        }
        #expect(events.map(\.type) == [.highFailureRate, .highFailureRate])
        #expect(events.last?.kind == .resolved)
        #expect(engine.activeAlerts().map(\.type) == [.deliveryFailing], "only the breaker closing resolves it")
        #expect(engine.metrics(for: "STRIPE")?.activeAlerts == [.deliveryFailing])
    }

    @Test func aDeliveryAlertIsNeverRefusedPastMaxCodes() {
        let engine = engine { $0.maxCodes = 1 }
        #expect(engine.record(CallRecord(webhookCode: "A", success: true, duration: 0.1, timestamp: clock.now)).counted)
        #expect(engine.record(CallRecord(webhookCode: "B", success: true, duration: 0.1, timestamp: clock.now)).refusedNewCode)
        #expect(engine.apply(.deliveryDead(code: "B")).map(\.type) == [.deliveryDead])
    }
}
