import Foundation
@testable import HookDaemon
import HookCore
import HookHTTP
import HookJSON
import HookTestSupport
import Testing

/// The Slack channel against the Slack stand-in (Tests/Fixtures/alert_receivers.py): what Slack
/// receives, how each answer becomes a `ChannelFailure`, and that the webhook URL never leaks.
@Suite struct SlackAlertChannelTests {
    /// A webhook URL on the stand-in with a fresh secret path, and the secret itself.
    private static func webhook(on server: AlertReceiversServer) -> (url: String, token: String) {
        let token = AlertReceiversServer.randomToken(24)
        return ("\(server.baseURL)/services/T0HOOKD01/B0HOOKD02/\(token)", token)
    }

    private static func channel(_ url: String, on server: AlertReceiversServer, timeout: Double = 5) -> SlackAlertChannel {
        SlackAlertChannel(webhookURL: url, timeoutSeconds: timeout, http: server.http)
    }

    /// The failure `deliver` throws, or nil when it succeeded.
    private static func failure(of channel: SlackAlertChannel, _ event: AlertEvent) async -> ChannelFailure? {
        do throws(ChannelFailure) {
            try await channel.deliver(event)
            return nil
        } catch {
            return error
        }
    }

    private static func expectSecretFree(_ failure: ChannelFailure?, url: String, token: String) {
        guard let message = failure?.message else { return }
        #expect(!message.contains(token))
        #expect(!message.contains("/services/"))
        #expect(!message.contains(url))
        #expect(message.hasPrefix("slack: "))
    }

    @Test func firingAlertArrivesAsTextAndBlocks() async throws {
        try await AlertReceiversServer.with { server in
            let (url, _) = Self.webhook(on: server)
            let event = AlertEventSamples.event(.firing)
            try await Self.channel(url, on: server).deliver(event)

            let requests = try await server.requests()
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request["service"]?.stringValue == "slack")
            #expect(request["status"]?.integerValue == 200)
            #expect(request["headers"]?["content-type"]?.stringValue?.hasPrefix("application/json") == true)
            let body = try #require(request["json"])

            let text = try #require(body["text"]?.stringValue)
            #expect(text.contains("CRITICAL"))
            #expect(text.contains(event.webhookCode))
            #expect(text.contains(event.message))

            let blocks = try #require(body["blocks"]?.arrayValue)
            #expect(blocks.count == 2)
            #expect(blocks[0]["type"]?.stringValue == "header")
            #expect(blocks[0]["text"]?["type"]?.stringValue == "plain_text")
            #expect(blocks[0]["text"]?["text"]?.stringValue?.hasPrefix("🔴") == true)
            #expect(blocks[1]["type"]?.stringValue == "section")
            let fields = try #require(blocks[1]["fields"]?.arrayValue).compactMap { $0["text"]?.stringValue }
            for label in ["Webhook", "Alert type", "Severity", "State", "Value vs threshold",
                          "Calls / failed / failure rate / p95", "First fired", "Host"] {
                #expect(fields.contains(where: { $0.hasPrefix("*\(label)*\n") }), "missing field \(label)")
            }
            #expect(fields.contains("*Alert type*\nauth_failures"))
            #expect(fields.contains("*Severity*\ncritical"))
            #expect(fields.contains("*State*\nfiring"))
            #expect(fields.contains("*Value vs threshold*\n7 vs 5 calls with 401/403"))
            #expect(fields.contains("*Calls / failed / failure rate / p95*\n40 / 7 / 17.5% / 0.84 s (last 5 min)"))
            #expect(fields.contains("*First fired*\n\(ISO8601.format(AlertEventSamples.firstFiredAt))"))
            #expect(fields.contains("*Host*\n\(AlertEventSamples.host)"))
        }
    }

    @Test(arguments: [
        (AlertEvent.Kind.firing, AlertSeverity.critical, "🔴"),
        (.firing, .warning, "🟠"),
        (.repeat, .warning, "🟠"),
        (.resolved, .critical, "✅"),
        (.test, .warning, "🧪"),
    ])
    func headerEmojiFollowsTheState(kind: AlertEvent.Kind, severity: AlertSeverity, emoji: String) throws {
        let payload = SlackAlertChannel.payload(for: AlertEventSamples.event(kind, severity: severity))
        let header = try #require(payload["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue)
        #expect(header.hasPrefix(emoji + " "))
        #expect(payload["text"]?.stringValue?.hasPrefix(emoji + " ") == true)
    }

    @Test func resolvedAndTestEventsAreAccepted() async throws {
        try await AlertReceiversServer.with { server in
            let (url, _) = Self.webhook(on: server)
            let channel = Self.channel(url, on: server)
            try await channel.deliver(AlertEventSamples.event(.resolved))
            try await channel.deliver(AlertEventSamples.event(.test, type: nil))
            let requests = try await server.requests()
            #expect(requests.map { $0["status"]?.integerValue } == [200, 200])
            #expect(requests[0]["json"]?["text"]?.stringValue?.hasPrefix("✅ [RESOLVED]") == true)
            #expect(requests[1]["json"]?["text"]?.stringValue?.hasPrefix("🧪") == true)
        }
    }

    @Test func mrkdwnControlCharactersAreEscaped() throws {
        var event = AlertEventSamples.event(.firing)
        event.webhookCode = "a<b>&c"
        event.message = "<!channel> look"
        let payload = SlackAlertChannel.payload(for: event)
        #expect(payload["text"]?.stringValue?.contains("a&lt;b&gt;&amp;c: &lt;!channel&gt; look") == true)
        let section = try #require(payload["blocks"]?.arrayValue?.last)
        #expect(section["text"]?["text"]?.stringValue == "&lt;!channel&gt; look")
    }

    @Test(arguments: [("archived", 410, "channel_is_archived"), ("not_found", 404, "channel_not_found"),
                      ("prohibited", 403, "action_prohibited")])
    func channelErrorsArePermanent(mode: String, status: Int, answer: String) async throws {
        try await AlertReceiversServer.with { server in
            let (url, token) = Self.webhook(on: server)
            try await server.configure(mode: mode)
            let failure = try #require(await Self.failure(of: Self.channel(url, on: server), AlertEventSamples.event(.firing)))
            #expect(failure.permanent)
            #expect(failure.retryAfterSeconds == nil)
            #expect(failure.message == "slack: HTTP \(status) \(answer)")
            Self.expectSecretFree(failure, url: url, token: token)
        }
    }

    @Test func invalidPayloadIsPermanent() throws {
        let response = HTTPResponse(statusCode: 400, body: Array("invalid_payload".utf8))
        #expect(throws: ChannelFailure(message: "slack: HTTP 400 invalid_payload", permanent: true)) {
            try SlackAlertChannel.judge(response, webhookURL: "https://hooks.slack.com/services/T/B/secret")
        }
    }

    @Test func rateLimitCarriesRetryAfter() async throws {
        try await AlertReceiversServer.with { server in
            let (url, token) = Self.webhook(on: server)
            try await server.configure(mode: "fail_429", count: 1, retryAfter: 7)
            let channel = Self.channel(url, on: server)
            let failure = try #require(await Self.failure(of: channel, AlertEventSamples.event(.firing)))
            #expect(failure.retryAfterSeconds == 7)
            #expect(!failure.permanent)
            #expect(failure.message == "slack: HTTP 429 rate_limited")
            Self.expectSecretFree(failure, url: url, token: token)
            // count 1: the next delivery goes through.
            #expect(await Self.failure(of: channel, AlertEventSamples.event(.firing)) == nil)
        }
    }

    @Test func serverErrorIsRetryable() async throws {
        try await AlertReceiversServer.with { server in
            let (url, token) = Self.webhook(on: server)
            try await server.configure(mode: "fail_500")
            let failure = try #require(await Self.failure(of: Self.channel(url, on: server), AlertEventSamples.event(.firing)))
            #expect(!failure.permanent)
            #expect(failure.retryAfterSeconds == nil)
            #expect(failure.message.hasPrefix("slack: HTTP 500"))
            Self.expectSecretFree(failure, url: url, token: token)
        }
    }

    @Test func hangingWebhookTimesOut() async throws {
        try await AlertReceiversServer.with { server in
            let (url, token) = Self.webhook(on: server)
            try await server.configure(mode: "hang")
            let timeout = 1.0
            let started = ContinuousClock.now
            let failure = try #require(await Self.failure(of: Self.channel(url, on: server, timeout: timeout), AlertEventSamples.event(.firing)))
            #expect(ContinuousClock.now - started < .seconds(timeout + 2))
            #expect(!failure.permanent)
            Self.expectSecretFree(failure, url: url, token: token)
        }
    }

    @Test func unreachableWebhookIsRetryableAndSecretFree() async throws {
        let http = HTTPClient()
        let port = try await AlertReceiversServer.with { server in server.port }  // stopped: nothing listens now
        let token = AlertReceiversServer.randomToken(24)
        let url = "http://127.0.0.1:\(port)/services/T0HOOKD01/B0HOOKD02/\(token)"
        let failure = await Self.failure(of: SlackAlertChannel(webhookURL: url, timeoutSeconds: 2, http: http), AlertEventSamples.event(.firing))
        await http.shutdown()
        #expect(failure?.permanent == false)
        #expect(failure != nil)
        Self.expectSecretFree(failure, url: url, token: token)
    }

    @Test func answersQuotingTheWebhookURLAreScrubbed() throws {
        let url = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
        let response = HTTPResponse(statusCode: 404, body: Array("no_service for \(url) (/services/T000/B000/XXXXsecretXXXX)".utf8))
        do throws(ChannelFailure) {
            try SlackAlertChannel.judge(response, webhookURL: url)
            Issue.record("a 404 must fail")
        } catch {
            #expect(error.permanent)
            #expect(!error.message.contains("XXXXsecretXXXX"))
            #expect(error.message.hasPrefix("slack: HTTP 404 no_service"))
        }
    }

    @Test(arguments: [("7", 7.0), ("0", 0), ("1.5", 1.5), ("99999999999999999999", AlertChannelHTTP.maximumRetryAfterSeconds),
                      ("nan", nil), ("-3", nil), ("Wed, 21 Oct 2026 07:28:00 GMT", nil), ("", nil)] as [(String, Double?)])
    func retryAfterIsReadSafely(header: String, seconds: Double?) {
        let response = HTTPResponse(statusCode: 429, body: [], headers: [("retry-after", header)])
        #expect(AlertChannelHTTP.retryAfterSeconds(response) == seconds)
    }
}

// MARK: - Samples

/// Alert events as the engine makes them, with fixed times and metrics.
enum AlertEventSamples {
    static let firstFiredAt = 1_764_390_000.0
    static let host = "hookd-test-host"

    static func event(
        _ kind: AlertEvent.Kind, type: AlertType? = .authFailures, severity: AlertSeverity = .critical, code: String = "orders"
    ) -> AlertEvent {
        let engine = AlertEngine(settings: AlertingSettings(), host: host, now: { firstFiredAt + 120 })
        var event = engine.testEvent(webhookCode: code, severity: severity)
        event.kind = kind
        event.type = type
        if type != nil {
            event.value = 7
            event.threshold = 5
            event.message = (kind == .resolved ? "Resolved: " : "") + "Authentication failures: 7 calls got 401/403 (threshold 5)"
            var metrics = WindowMetrics.empty(webhookCode: code, windowMinutes: 5)
            metrics.totalCalls = 40
            metrics.successfulCalls = 33
            metrics.failedCalls = 7
            metrics.failureRate = 17.5
            metrics.authFailures = 7
            metrics.p95Latency = 0.84
            event.metrics = metrics
        }
        event.firstFiredAt = firstFiredAt
        return event
    }
}

// MARK: - The stand-in server

/// The Slack and PagerDuty stand-in (Tests/Fixtures/alert_receivers.py) on a private port,
/// started per test and stopped by pid on every path, with every wait bounded.
final class AlertReceiversServer: @unchecked Sendable {
    // Immutable once started; stopped by the test that owns it.
    private let fixture: PortFileFixture
    /// The client tests give their channels; shut down with the server.
    let http = HTTPClient(configuration: .init(connectTimeoutSeconds: 2))

    var port: Int { fixture.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// What the server wrote to stderr so far (one line per request; never a path or a body).
    var log: String { fixture.log }

    /// Runs `body` against a fresh server, which is stopped however `body` ends.
    static func with<Result>(_ body: (AlertReceiversServer) async throws -> Result) async throws -> Result {
        let server = try AlertReceiversServer()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `count` random letters and digits, for secrets that must not show up anywhere.
    static func randomToken(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }

    private init() throws {
        fixture = try PortFileFixture(name: "alert-receivers", executable: "/usr/bin/env",
                                      arguments: ["python3", PortFileFixture.fixtures + "/alert_receivers.py", "--port", "0"])
    }

    /// SIGTERM, then SIGKILL if the server has not gone after 5 s; then removes its files.
    func stop() async {
        await http.shutdown()
        fixture.stop()
    }

    // MARK: - Test controls

    @discardableResult
    private func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let request = HTTPRequest(method: method, url: "\(baseURL)/__test__/\(path)", headers: [("Content-Type", "application/json")],
                                  body: body?.encoded() ?? [], timeoutSeconds: 10)
        let response = try await http.send(request)
        guard response.statusCode == 200 else {
            throw TestSupportFailure("\(method) \(path): HTTP \(response.statusCode) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONValue.parse(response.body)
    }

    /// Every API request the server received, in order (see the script's documentation).
    func requests() async throws -> [JSONValue] {
        try await call("GET", "requests")["requests"]?.arrayValue ?? []
    }

    /// Makes the next `count` requests (all when nil) answer in `mode`.
    func configure(mode: String, count: Int? = nil, retryAfter: Double? = nil) async throws {
        var settings: JSONObject = ["mode": .string(mode)]
        if let count { settings["count"] = .integer(Int64(count)) }
        if let retryAfter { settings["retry_after"] = .double(retryAfter) }
        try await call("POST", "config", .object(settings))
    }
}
