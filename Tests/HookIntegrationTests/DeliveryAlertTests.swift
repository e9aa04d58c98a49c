import Foundation
import HookClient
import HookJSON
import HookTestSupport
import Testing

/// Issue 12, "alerts on every state change", black box: a real hookd with the `log` alert
/// channel (the structured log) and the scripted sink (Tests/Fixtures/delivery_sink.py). The
/// breaker opening fires `delivery_failing` and the probe's success resolves it ("Recovered"), a
/// 410 fires `webhook_disabled` until the webhook is enabled again, and a delivery that runs out
/// of retries fires `delivery_dead`. Serialized like `DeliveryTests`, for the same timing bounds.
@Suite(.serialized)
struct DeliveryAlertTests {
    typealias Setup = DeliveryTests.Setup

    /// Opens after 3 deliveries with at least half failed; probes 1 s later.
    static let quickBreaker = "    failure_rate: 50\n    min_requests: 3\n    window: 1m\n    cooldown: 1s\n    max_cooldown: 2s\n"

    /// The `webhook_alert` lines of the structured log for `code`, oldest first.
    private func alertLines(_ setup: Setup, code: String) -> [JSONValue] {
        let text = (try? String(contentsOfFile: setup.structuredLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)) }
            .filter { $0["event"] == "webhook_alert" && $0["webhook_code"] == .string(code) }
    }

    /// Polls the structured log until a `webhook_alert` line of `type` in `state` appears for
    /// `code` (at most `seconds`); returns it.
    private func waitForAlertLine(_ setup: Setup, code: String, type: String, state: String, seconds: Double = 10) -> JSONValue? {
        var found: JSONValue?
        _ = TestEnvironment.wait(seconds: seconds) {
            found = alertLines(setup, code: code).first { $0["alert_type"] == .string(type) && $0["state"] == .string(state) }
            return found != nil
        }
        return found
    }

    /// The alert types `alert.list` shows firing for `code`.
    private func activeTypes(_ setup: Setup, code: String) throws -> [String] {
        let alerts = try setup.client.call("alert.list")["alerts"]?.arrayValue ?? []
        return alerts.filter { $0["webhook_code"] == .string(code) }.compactMap { $0["alert_type"]?.stringValue }
    }

    /// No alert line, and no line of the structured log at all, carries the webhook's token.
    private func expectNoCredential(_ setup: Setup, code: String) {
        for line in alertLines(setup, code: code) {
            #expect(!line.compactText.contains(DeliveryTests.token), "an alert line carries the token: \(line.compactText)")
        }
        let log = (try? String(contentsOfFile: setup.structuredLog, encoding: .utf8)) ?? ""
        #expect(!log.contains(DeliveryTests.token), "the structured log carries the token")
        #expect(!setup.daemon.child.output.contains(DeliveryTests.token), "hookd's own log carries the token")
    }

    @Test func anOpenBreakerFiresDeliveryFailingAndTheProbesSuccessResolvesItAsRecovered() throws {
        let setup = try Setup(breaker: Self.quickBreaker)
        defer { setup.stop() }
        try setup.sink.script("/flaky", statuses: [500])
        try setup.webhook("FLAKY", "/flaky")
        var ids: [String] = []
        for number in 0..<3 {
            ids.append(try #require(try setup.deliver("FLAKY", ["n": .integer(Int64(number))])["delivery_id"]?.stringValue))
        }
        let firing = try #require(waitForAlertLine(setup, code: "FLAKY", type: "delivery_failing", state: "firing"),
                                  "no delivery_failing line: \(alertLines(setup, code: "FLAKY").map(\.compactText))")
        #expect(firing["severity"] == "warning")
        #expect(firing["notification"] == "firing")
        #expect(firing["value"]?.doubleValue == 100, "every one of the 3 failed: \(firing.compactText)")
        #expect(firing["threshold"]?.doubleValue == 50, "the breaker's failure_rate: \(firing.compactText)")
        #expect(try activeTypes(setup, code: "FLAKY").contains("delivery_failing"))

        try setup.sink.script("/flaky", statuses: [200])
        let recovered = try #require(waitForAlertLine(setup, code: "FLAKY", type: "delivery_failing", state: "resolved"),
                                     "no resolved line: \(alertLines(setup, code: "FLAKY").map(\.compactText))")
        #expect(recovered["message"]?.stringValue?.hasPrefix("Recovered:") == true, "\(recovered.compactText)")
        #expect(recovered["first_fired_at"] == firing["first_fired_at"])
        #expect(try !activeTypes(setup, code: "FLAKY").contains("delivery_failing"))
        for id in ids { _ = try setup.waitFor(id, status: "delivered", seconds: 10) }
        let failingLines = alertLines(setup, code: "FLAKY").filter { $0["alert_type"] == "delivery_failing" }
        #expect(failingLines.map { $0["state"]?.stringValue ?? "" } == ["firing", "resolved"], "one firing, one resolve")
        expectNoCredential(setup, code: "FLAKY")
    }

    @Test func aGoneAnswerFiresWebhookDisabledAndEnablingTheWebhookResolvesIt() throws {
        let setup = try Setup()
        defer { setup.stop() }
        try setup.sink.script("/gone", statuses: [410])
        try setup.webhook("GONE", "/gone")
        let answer = try setup.deliver("GONE", ["n": 1], wait: "final", extra: ["timeout_ms": 10_000])
        #expect(answer["status"] == "dead", "\(answer.compactText)")
        let disabled = try #require(waitForAlertLine(setup, code: "GONE", type: "webhook_disabled", state: "firing"),
                                    "no webhook_disabled line: \(alertLines(setup, code: "GONE").map(\.compactText))")
        #expect(disabled["severity"] == "critical")
        #expect(disabled["message"]?.stringValue?.contains("410 Gone") == true, "\(disabled.compactText)")
        #expect(Set(try activeTypes(setup, code: "GONE")).isSuperset(of: ["webhook_disabled", "delivery_dead"]))

        // Enabled again through the registry: resolved within a second or so, not at the next
        // maintenance (a minute later).
        try setup.sink.script("/gone", statuses: [200])
        try setup.webhook("GONE", "/gone")
        let resolved = try #require(waitForAlertLine(setup, code: "GONE", type: "webhook_disabled", state: "resolved", seconds: 10),
                                    "no resolved line: \(alertLines(setup, code: "GONE").map(\.compactText))")
        #expect(resolved["message"]?.stringValue?.hasPrefix("Resolved:") == true, "\(resolved.compactText)")
        #expect(try !activeTypes(setup, code: "GONE").contains("webhook_disabled"))
        expectNoCredential(setup, code: "GONE")
    }

    @Test func aScheduleRunOutFiresDeliveryDeadWithTheCountInTheWindow() throws {
        let setup = try Setup()
        defer { setup.stop() }
        try setup.sink.script("/down", statuses: [500])
        try setup.webhook("DOWN", "/down")
        let answer = try setup.deliver("DOWN", ["n": 1], wait: "final", extra: ["timeout_ms": 20_000])
        #expect(answer["status"] == "dead", "\(answer.compactText)")
        let dead = try #require(waitForAlertLine(setup, code: "DOWN", type: "delivery_dead", state: "firing"),
                                "no delivery_dead line: \(alertLines(setup, code: "DOWN").map(\.compactText))")
        #expect(dead["severity"] == "error")
        #expect(dead["value"]?.doubleValue == 1, "\(dead.compactText)")
        let alerts = try setup.client.call("alert.list")["alerts"]?.arrayValue ?? []
        let listed = try #require(alerts.first { $0["webhook_code"] == "DOWN" && $0["alert_type"] == "delivery_dead" })
        #expect(listed["severity"] == "error")
        #expect(try activeTypes(setup, code: "DOWN") == ["delivery_dead"], "the breaker never opens here; 3 calls are too few for the window rules")
        expectNoCredential(setup, code: "DOWN")
    }

    @Test func aSilencedDeliveryAlertIsInHistoryButNotSent() throws {
        let setup = try Setup()
        defer { setup.stop() }
        try setup.sink.script("/quiet", statuses: [422])
        try setup.webhook("QUIET", "/quiet")
        _ = try setup.client.call("alert.silence", params: ["webhook_code": "QUIET", "alert_type": "delivery_dead", "minutes": 5,
                                                          "reason": "known incident"])
        let answer = try setup.deliver("QUIET", ["n": 1], wait: "final", extra: ["timeout_ms": 10_000])
        #expect(answer["status"] == "dead", "\(answer.compactText)")
        var events: [JSONValue] = []
        _ = TestEnvironment.wait(seconds: 10) {
            events = (try? setup.client.call("alert.history", params: ["webhook_code": "QUIET"]))?["events"]?.arrayValue ?? []
            return !events.isEmpty
        }
        let event = try #require(events.first, "no history for QUIET")
        #expect(event["alert_type"] == "delivery_dead")
        #expect(event["silenced"] == true)
        let silenced = try setup.client.call("alert.list")["alerts"]?.arrayValue?.first { $0["webhook_code"] == "QUIET" }
        #expect(silenced?["silenced_until"]?.stringValue != nil, "\(silenced?.compactText ?? "none")")
        Thread.sleep(forTimeInterval: 1)
        #expect(alertLines(setup, code: "QUIET").isEmpty, "a silenced alert reaches no channel")
    }
}
