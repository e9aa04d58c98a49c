import HookCore
import Testing

struct AlertEngineTests {
    let clock = ManualClock(1_800_000_000)  // shared with the cache tests (CredentialCacheTests.swift)

    func engine(_ configure: (inout AlertingSettings) -> Void = { _ in }) -> AlertEngine {
        var settings = AlertingSettings()
        configure(&settings)
        return AlertEngine(settings: settings, host: "test-host", now: { [clock] in clock.now })
    }

    func call(_ success: Bool, duration: Double = 0.1, status: Int? = nil, code: String = "STRIPE") -> CallRecord {
        CallRecord(webhookCode: code, success: success, duration: duration, statusCode: status, timestamp: clock.now)
    }

    @Test func failureRateFiresOnlyAboveTheThresholdWithEnoughCalls() {
        let engine = engine()  // threshold 10%, min_calls 10
        for _ in 0..<9 { #expect(engine.record(call(true)).events.isEmpty) }
        #expect(engine.record(call(false)).events.isEmpty, "10% is not above 10%")
        let events = engine.record(call(false)).events  // 2 of 11: 18%
        #expect(events.map(\.kind) == [.firing])
        #expect(events.first?.type == .highFailureRate)
        #expect(events.first?.severity == .warning)
        #expect(events.first?.metrics?.failedCalls == 2)
    }

    @Test func aWebhooksOwnThresholdsReplaceTheGlobalOnesForItAlone() throws {
        let engine = engine()  // globally: min_calls 10, auth threshold 5
        engine.setOverrides(AlertOverrides(minCalls: 2, authFailureThreshold: 1), for: try WebhookKey(code: "FRAGILE", direction: .outbound))
        #expect(engine.effectiveSettings(for: "FRAGILE").minCalls == 2)
        #expect(engine.effectiveSettings(for: "STRIPE").minCalls == 10)
        _ = engine.record(call(false, code: "STRIPE"))
        #expect(engine.record(call(false, code: "STRIPE")).events.isEmpty, "2 calls are too few globally")
        _ = engine.record(call(false, code: "FRAGILE"))
        let fired = engine.record(call(false, code: "FRAGILE")).events
        #expect(fired.map(\.type) == [.highFailureRate])
        #expect(engine.record(call(false, status: 401, code: "FRAGILE")).events.map(\.type) == [.authFailures])
    }

    @Test func theOutboundDefinitionsThresholdsWinAndClearingRestoresTheGlobalOnes() throws {
        let engine = engine()
        engine.setOverrides(AlertOverrides(minCalls: 7), for: try WebhookKey(code: "BOTH", direction: .inbound))
        #expect(engine.effectiveSettings(for: "BOTH").minCalls == 7)
        engine.setOverrides(AlertOverrides(minCalls: 3), for: try WebhookKey(code: "BOTH", direction: .outbound))
        #expect(engine.effectiveSettings(for: "BOTH").minCalls == 3)
        engine.setOverrides(nil, for: try WebhookKey(code: "BOTH", direction: .outbound))
        engine.setOverrides(AlertOverrides(), for: try WebhookKey(code: "BOTH", direction: .inbound))
        #expect(engine.effectiveSettings(for: "BOTH").minCalls == 10)
    }

    @Test func alertingTurnedOffForOneWebhookDropsItsAlertsAndFiresNothing() throws {
        let engine = engine()
        for _ in 0..<10 { _ = engine.record(call(false)) }
        #expect(engine.activeAlerts().map(\.type) == [.highFailureRate])
        engine.setOverrides(AlertOverrides(enabled: false), for: try WebhookKey(code: "STRIPE", direction: .outbound))
        #expect(engine.record(call(false)).events.isEmpty)
        #expect(engine.activeAlerts().isEmpty)
        #expect(engine.metrics(for: "STRIPE")?.totalCalls == 11, "calls are still counted")
    }

    @Test func theOutcomeSaysWhenTheCallCountedWithFutureAndNonFiniteTimesClampedToNow() {
        let engine = engine()
        func time(_ timestamp: Double) -> Double {
            engine.record(CallRecord(webhookCode: "STRIPE", success: true, duration: 0.1, timestamp: timestamp)).callTime
        }
        #expect(time(clock.now - 30) == clock.now - 30)
        #expect(time(clock.now + 3600) == clock.now)
        #expect(time(.nan) == clock.now)
    }

    @Test func tooFewCallsNeverFireTheFailureRule() {
        let engine = engine()
        for _ in 0..<9 { #expect(engine.record(call(false)).events.isEmpty) }
    }

    @Test func authFailuresFireCriticalAtTheThreshold() {
        let engine = engine()
        for _ in 0..<4 { #expect(engine.record(call(false, status: 403)).events.filter { $0.type == .authFailures }.isEmpty) }
        let events = engine.record(call(false, status: 401)).events.filter { $0.type == .authFailures }
        #expect(events.map(\.kind) == [.firing])
        #expect(events.first?.severity == .critical)
    }

    @Test func latencyFiresWhenP95IsOverTheThreshold() {
        let engine = engine { $0.latencyThresholdSeconds = 1 }
        for _ in 0..<18 { _ = engine.record(call(true, duration: 0.2)) }
        _ = engine.record(call(true, duration: 3)).events
        clock.advance(1)
        let events = engine.record(call(true, duration: 3)).events  // 2 of 20 slow: p95 is 3 s
        #expect(events.contains { $0.type == .highLatency && $0.kind == .firing })
    }

    @Test func anAlertResolvesWhenItsCallsLeaveTheWindowEvenWithoutTraffic() {
        let engine = engine { $0.windowMinutes = 1 }
        for _ in 0..<10 { _ = engine.record(call(false)) }
        #expect(engine.activeAlerts().map(\.type) == [.highFailureRate])
        clock.advance(59)
        #expect(engine.evaluate().isEmpty, "still within the 60 s window")
        clock.advance(2)
        let events = engine.evaluate()
        #expect(events.map(\.kind) == [.resolved])
        #expect(engine.activeAlerts().isEmpty)
        #expect(engine.metrics(for: "STRIPE") == nil)
    }

    @Test func aFiringAlertRepeatsEveryRepeatInterval() {
        let engine = engine { $0.repeatIntervalMinutes = 1; $0.windowMinutes = 10 }
        for _ in 0..<10 { _ = engine.record(call(false)) }
        clock.advance(59)
        #expect(engine.evaluate().isEmpty)
        clock.advance(1)
        #expect(engine.evaluate().map(\.kind) == [.repeat])
        clock.advance(30)
        #expect(engine.evaluate().isEmpty)
    }

    @Test func aSilencedAlertIsTrackedAndRecordedButMarkedSilenced() {
        let engine = engine()
        engine.silence(webhookCode: "STRIPE", type: nil, until: clock.now + 600, reason: "maintenance")
        var events: [AlertEvent] = []
        for _ in 0..<10 { events += engine.record(call(false)).events }
        #expect(events.map(\.kind) == [.firing])
        #expect(events.allSatisfy { $0.silenced })
        #expect(engine.activeAlerts().first?.silencedUntil != nil)
        #expect(engine.history().count == 1)
        #expect(engine.unsilence(webhookCode: "STRIPE", type: nil) == 1)
    }

    @Test func aSilenceForOneTypeLeavesTheOthersLoud() {
        let engine = engine()
        engine.silence(webhookCode: "STRIPE", type: .highFailureRate, until: clock.now + 600, reason: "")
        var events: [AlertEvent] = []
        for _ in 0..<10 { events += engine.record(call(false, status: 401)).events }
        #expect(events.first { $0.type == .highFailureRate }?.silenced == true)
        #expect(events.first { $0.type == .authFailures }?.silenced == false)
    }

    @Test func resolvedNotificationsCanBeTurnedOff() {
        let engine = engine { $0.sendResolved = false; $0.windowMinutes = 1 }
        for _ in 0..<10 { _ = engine.record(call(false)) }
        clock.advance(61)
        let events = engine.evaluate()
        #expect(events.map(\.kind) == [.resolved])
        #expect(events.first?.silenced == true)
    }

    @Test func callsOlderThanTheWindowAreNotCounted() {
        let engine = engine { $0.windowMinutes = 1 }
        let old = CallRecord(webhookCode: "STRIPE", success: false, duration: 1, timestamp: clock.now - 120)
        #expect(engine.record(old).events.isEmpty)
        #expect(engine.metrics(for: "STRIPE")?.totalCalls == 0)
    }

    @Test func metricsMatchTheSeedsShape() throws {
        let engine = engine()
        for duration in [0.1, 0.2, 0.3, 0.4] { _ = engine.record(call(true, duration: duration)) }
        _ = engine.record(call(false, duration: 1.0, status: 500)).events
        let metrics = try #require(engine.metrics(for: "STRIPE"))
        #expect(metrics.totalCalls == 5)
        #expect(metrics.successfulCalls == 4)
        #expect(metrics.failureRate == 20)
        // Percentiles come from a histogram, within 1 % of the exact value (LatencyBins).
        #expect(abs(metrics.p50Latency - 0.3) <= 0.3 * 0.01)
        #expect(metrics.maxLatency == 1.0)
        #expect(abs(metrics.avgLatency - 0.4) < 1e-9)
        let json = metrics.json
        for key in ["webhook_code", "window_minutes", "total_calls", "successful_calls", "failed_calls", "failure_rate", "auth_failures",
                    "avg_latency", "p50_latency", "p95_latency", "p99_latency", "max_latency", "active_alerts"] {
            #expect(json[key] != nil, "missing \(key)")
        }
    }

    @Test func aResolveCarriesTheSameDedupKeyAsItsTrigger() {
        let engine = engine { $0.windowMinutes = 1 }
        var events: [AlertEvent] = []
        for _ in 0..<10 { events += engine.record(call(false)).events }
        clock.advance(61)
        events += engine.evaluate()
        #expect(events.count == 2)
        #expect(events[0].dedupKey == events[1].dedupKey)
    }
}

extension AlertEngineTests {
    @Test func anAbsurdTimestampCannotTrapTheEngine() {
        let engine = engine()
        for timestamp in [1e300, -1e300, .nan, .infinity] {
            let outcome = engine.record(CallRecord(webhookCode: "STRIPE", success: true, duration: 0.1, timestamp: timestamp))
            #expect(outcome.events.isEmpty)
        }
    }

    @Test func disabledAlertingKeepsMetricsButNeverFires() {
        let engine = engine { $0.enabled = false }
        for _ in 0..<20 { #expect(engine.record(call(false, status: 401)).events.isEmpty) }
        #expect(engine.metrics(for: "STRIPE")?.failedCalls == 20)
        #expect(engine.evaluate().isEmpty)
    }

    @Test func pastMaxCodesANewCodeIsRefusedUntilQuietCodesAreLetGo() {
        let engine = engine { $0.maxCodes = 3; $0.windowMinutes = 1 }
        for code in ["A", "B", "C"] { #expect(engine.record(call(true, code: code)).counted) }
        let refused = engine.record(call(true, code: "D"))
        #expect(refused.refusedNewCode && !refused.counted)
        #expect(engine.record(call(false, code: "A")).counted, "a tracked code still records")
        clock.advance(61)
        _ = engine.evaluate()  // the window passed: A, B and C are quiet and let go
        #expect(engine.record(call(true, code: "D")).counted)
        #expect(!engine.record(call(true, code: "E")).refusedNewCode)
    }
}
