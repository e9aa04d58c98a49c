@testable import HookDaemon
import HookCore
import HookHTTP
import HookJSON
import Testing

/// The PagerDuty channel against the Events API v2 stand-in (Tests/Fixtures/alert_receivers.py):
/// trigger and resolve bodies, dedup keys, how answers become `ChannelFailure`s, and that the
/// routing key never appears in a failure.
@Suite struct PagerDutyAlertChannelTests {
    private static func channel(
        on server: AlertReceiversServer, routingKey: String, timeout: Double = 5
    ) -> PagerDutyAlertChannel {
        PagerDutyAlertChannel(routingKey: routingKey, eventsURL: "\(server.baseURL)/v2/enqueue", timeoutSeconds: timeout, http: server.http)
    }

    /// A fresh 32-character routing key, as PagerDuty issues them.
    private static func routingKey() -> String { AlertReceiversServer.randomToken(32) }

    /// The failure `deliver` throws, or nil when it succeeded.
    private static func failure(of channel: PagerDutyAlertChannel, _ event: AlertEvent) async -> ChannelFailure? {
        do throws(ChannelFailure) {
            try await channel.deliver(event)
            return nil
        } catch {
            return error
        }
    }

    private static func expectSecretFree(_ failure: ChannelFailure?, routingKey: String) {
        guard let message = failure?.message else { return }
        #expect(!message.contains(routingKey))
        #expect(message.hasPrefix("pagerduty: "))
    }

    @Test func firingAlertIsATriggerWithTheFullPayload() async throws {
        try await AlertReceiversServer.with { server in
            let key = Self.routingKey()
            let event = AlertEventSamples.event(.firing)
            try await Self.channel(on: server, routingKey: key).deliver(event)

            let request = try #require(try await server.requests().first)
            #expect(request["service"]?.stringValue == "pagerduty")
            #expect(request["status"]?.integerValue == 202)
            #expect(request["headers"]?["content-type"]?.stringValue == "application/json")
            let body = try #require(request["json"])
            #expect(body["routing_key"]?.stringValue == key)
            #expect(body["event_action"]?.stringValue == "trigger")
            #expect(body["dedup_key"]?.stringValue == event.dedupKey)
            let payload = try #require(body["payload"])
            #expect(payload["summary"]?.stringValue == "orders: \(event.message)")
            #expect(payload["source"]?.stringValue == AlertEventSamples.host)
            #expect(payload["severity"]?.stringValue == "critical")
            #expect(payload["timestamp"]?.stringValue == ISO8601.format(event.timestamp, fractionalDigits: 3))
            #expect(payload["component"]?.stringValue == "orders")
            #expect(payload["group"]?.stringValue == "hookd")
            #expect(payload["class"]?.stringValue == "auth_failures")
            let details = try #require(payload["custom_details"])
            #expect(details["value"]?.doubleValue == 7)
            #expect(details["threshold"]?.doubleValue == 5)
            #expect(details["total_calls"]?.integerValue == 40)
            #expect(details["failed_calls"]?.integerValue == 7)
            #expect(details["failure_rate"]?.doubleValue == 17.5)
            #expect(details["p95_latency"]?.doubleValue == 0.84)
        }
    }

    @Test func resolveCarriesOnlyKeyActionAndTheTriggersDedupKey() async throws {
        try await AlertReceiversServer.with { server in
            let key = Self.routingKey()
            let channel = Self.channel(on: server, routingKey: key)
            let firing = AlertEventSamples.event(.firing)
            var resolved = AlertEventSamples.event(.resolved)
            resolved.timestamp = firing.timestamp + 600
            try await channel.deliver(firing)
            try await channel.deliver(resolved)

            let requests = try await server.requests()
            #expect(requests.map { $0["status"]?.integerValue } == [202, 202])
            let trigger = try #require(requests.first?["json"])
            let resolve = try #require(requests.last?["json"]?.objectValue)
            #expect(Set(resolve.keys) == ["routing_key", "dedup_key", "event_action"])
            #expect(resolve["event_action"]?.stringValue == "resolve")
            #expect(resolve["routing_key"]?.stringValue == key)
            #expect(resolve["dedup_key"] == trigger["dedup_key"])
            #expect(resolve["dedup_key"]?.stringValue == firing.dedupKey)
        }
    }

    @Test(arguments: [AlertEvent.Kind.repeat, .test])
    func repeatAndTestEventsAreTriggers(kind: AlertEvent.Kind) {
        let event = AlertEventSamples.event(kind, type: kind == .test ? nil : .authFailures)
        let body = PagerDutyAlertChannel.body(for: event, routingKey: "k")
        #expect(body["event_action"]?.stringValue == "trigger")
        #expect(body["dedup_key"]?.stringValue == event.dedupKey)
        #expect(body["payload"]?["class"]?.stringValue == (kind == .test ? "test" : "auth_failures"))
    }

    @Test(arguments: AlertSeverity.allCases)
    func severityMapsOneToOne(severity: AlertSeverity) async throws {
        let body = PagerDutyAlertChannel.body(for: AlertEventSamples.event(.firing, severity: severity), routingKey: "k")
        #expect(body["payload"]?["severity"]?.stringValue == severity.rawValue)
    }

    @Test func longSummaryIsCutToPagerDutysLimit() async throws {
        try await AlertReceiversServer.with { server in
            var event = AlertEventSamples.event(.firing)
            event.message = String(repeating: "é", count: 5000)
            try await Self.channel(on: server, routingKey: Self.routingKey()).deliver(event)
            let request = try #require(try await server.requests().first)
            #expect(request["status"]?.integerValue == 202)
            let summary = try #require(request["json"]?["payload"]?["summary"]?.stringValue)
            #expect(summary.unicodeScalars.count == PagerDutyAlertChannel.summaryLimit)
            #expect(summary.hasSuffix("…"))
        }
    }

    @Test func invalidEventIsPermanentAndQuotesPagerDutysErrors() async throws {
        try await AlertReceiversServer.with { server in
            let key = AlertReceiversServer.randomToken(31)  // one short: PagerDuty answers 400
            let failure = try #require(await Self.failure(of: Self.channel(on: server, routingKey: key), AlertEventSamples.event(.firing)))
            #expect(failure.permanent)
            #expect(failure.retryAfterSeconds == nil)
            #expect(failure.message.hasPrefix("pagerduty: HTTP 400 Event object is invalid: "))
            #expect(failure.message.contains("routing_key"))
            Self.expectSecretFree(failure, routingKey: key)
            #expect(try await server.requests().first?["status"]?.integerValue == 400)
        }
    }

    @Test(arguments: [(nil, PagerDutyAlertChannel.defaultRetryAfterSeconds), (12.0, 12.0)] as [(Double?, Double)])
    func rateLimitRetriesAfterTheAdvertisedWait(retryAfter: Double?, expected: Double) async throws {
        try await AlertReceiversServer.with { server in
            let key = Self.routingKey()
            try await server.configure(mode: "fail_429", count: 1, retryAfter: retryAfter)
            let channel = Self.channel(on: server, routingKey: key)
            let failure = try #require(await Self.failure(of: channel, AlertEventSamples.event(.firing)))
            #expect(!failure.permanent)
            #expect(failure.retryAfterSeconds == expected)
            #expect(failure.message.hasPrefix("pagerduty: HTTP 429"))
            Self.expectSecretFree(failure, routingKey: key)
            #expect(await Self.failure(of: channel, AlertEventSamples.event(.firing)) == nil)
        }
    }

    @Test func serverErrorIsRetryable() async throws {
        try await AlertReceiversServer.with { server in
            let key = Self.routingKey()
            try await server.configure(mode: "fail_500")
            let failure = try #require(await Self.failure(of: Self.channel(on: server, routingKey: key), AlertEventSamples.event(.firing)))
            #expect(!failure.permanent)
            #expect(failure.retryAfterSeconds == nil)
            #expect(failure.message == "pagerduty: HTTP 500 Internal Server Error")
            Self.expectSecretFree(failure, routingKey: key)
        }
    }

    @Test func hangingEndpointTimesOut() async throws {
        try await AlertReceiversServer.with { server in
            let key = Self.routingKey()
            try await server.configure(mode: "hang")
            let timeout = 1.0
            let started = ContinuousClock.now
            let channel = Self.channel(on: server, routingKey: key, timeout: timeout)
            let failure = try #require(await Self.failure(of: channel, AlertEventSamples.event(.firing)))
            #expect(ContinuousClock.now - started < .seconds(timeout + 2))
            #expect(!failure.permanent)
            Self.expectSecretFree(failure, routingKey: key)
        }
    }

    @Test func unreachableEndpointIsRetryableAndSecretFree() async throws {
        let http = HTTPClient()
        let port = try await AlertReceiversServer.with { server in server.port }  // stopped: nothing listens now
        let key = Self.routingKey()
        let channel = PagerDutyAlertChannel(routingKey: key, eventsURL: "http://127.0.0.1:\(port)/v2/enqueue", timeoutSeconds: 2, http: http)
        let failure = await Self.failure(of: channel, AlertEventSamples.event(.firing))
        await http.shutdown()
        #expect(failure != nil)
        #expect(failure?.permanent == false)
        Self.expectSecretFree(failure, routingKey: key)
    }

    @Test func answersEchoingTheRoutingKeyAreScrubbed() throws {
        let key = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12"
        let answer: JSONValue = ["status": "invalid event", "message": "Event object is invalid",
                                 "errors": [.string("unknown routing_key \(key)")]]
        do throws(ChannelFailure) {
            try PagerDutyAlertChannel.judge(HTTPResponse(statusCode: 400, body: answer.encoded()), routingKey: key)
            Issue.record("a 400 must fail")
        } catch {
            #expect(error.permanent)
            #expect(!error.message.contains(key))
            #expect(error.message == "pagerduty: HTTP 400 Event object is invalid: unknown routing_key …")
        }
    }

    @Test func otherClientErrorsArePermanentAndTimeoutsRetryable() throws {
        #expect(throws: ChannelFailure(message: "pagerduty: HTTP 404 Not Found", permanent: true)) {
            try PagerDutyAlertChannel.judge(HTTPResponse(statusCode: 404, body: Array("Not Found".utf8)), routingKey: "k")
        }
        #expect(throws: ChannelFailure(message: "pagerduty: HTTP 408")) {
            try PagerDutyAlertChannel.judge(HTTPResponse(statusCode: 408, body: []), routingKey: "k")
        }
    }
}
