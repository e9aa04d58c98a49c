import Foundation
import HookTestSupport
import HookClient
import HookJSON
import Testing

/// Alerting across hookd processes that share one Redis, and per-webhook thresholds from the
/// registry: real hookd, real redis-server, the Slack stand-in.
struct SharedAlertingTests {
    private func slackRequests(_ slack: PortFileFixture) -> [JSONValue] {
        (try? HTTPControl.call("GET", "http://127.0.0.1:\(slack.port)/__test__/requests"))?["requests"]?.arrayValue ?? []
    }

    private func startSlack() throws -> PortFileFixture {
        try PortFileFixture(name: "slack", executable: "/usr/bin/env",
                            arguments: ["python3", PortFileFixture.fixtures + "/alert_receivers.py", "--port", "0"])
    }

    private func record(_ client: HookClient, _ code: String, success: Bool, status: Int = 500) throws {
        _ = try client.call("alert.record", params: [
            "webhook_code": .string(code), "success": .bool(success), "duration": 0.1, "status_code": .integer(Int64(status)),
        ])
    }

    @Test func twoHostsAlertOnTheirCombinedTrafficAndNotifyOnce() throws {
        let slack = try startSlack()
        defer { slack.stop() }
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let redis = try RedisServer(directory: directory)
        let configuration = redis.configuration + """
            slack:
              webhook_url: http://127.0.0.1:\(slack.port)/services/T000/B000/shared-slack-token
            webhooks:
              alerting:
                channels: log,slack
                min_calls: 10
            """
        let first = try DaemonProcess(configuration: configuration, directory: directory, socketName: "first.sock")
        let second = try DaemonProcess(configuration: configuration, directory: try TestEnvironment.makeTemporaryDirectory(), socketName: "second.sock")
        // 6 failed calls on each host: below min_calls (10) on either alone, 12 of 12 failed together.
        for _ in 0..<6 {
            try record(first.client(), "SHARED_HOOK", success: false)
            try record(second.client(), "SHARED_HOOK", success: false)
        }
        #expect(try first.client().call("alert.list", params: [:])["alerts"]?.arrayValue?.isEmpty == true,
                "one host's 6 calls alone must not fire")
        let fired = TestEnvironment.wait(seconds: 10) {
            (try? first.client().call("alert.list", params: [:]))?["alerts"]?.arrayValue?.isEmpty == false
                && (try? second.client().call("alert.list", params: [:]))?["alerts"]?.arrayValue?.isEmpty == false
        }
        #expect(fired, "both hosts see the combined 12 calls and fire")
        let metrics = try first.client().call("alert.metrics", params: ["webhook_code": "SHARED_HOOK"])
        #expect(metrics["total_calls"] == 6)
        #expect(metrics["other_hosts"]?["total_calls"] == 6)
        #expect(TestEnvironment.wait(seconds: 5) { !slackRequests(slack).isEmpty })
        Thread.sleep(forTimeInterval: 2)  // a duplicate from the other host would have arrived by now
        #expect(slackRequests(slack).count == 1, "one notification for the alert, not one per host: \(slackRequests(slack))")
        #expect(try first.client().health()["components"]?["alert_sharing"]?["status"] == "ok")
    }

    @Test func withRedisGoneAlertRecordStillAnswersAndHealthSaysSharingIsDegraded() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let redis = try RedisServer(directory: directory)
        let daemon = try DaemonProcess(configuration: redis.configuration, directory: directory)
        let client = daemon.client()
        #expect(TestEnvironment.wait(seconds: 5) {
            (try? client.health())?["components"]?["alert_sharing"]?["status"] == "ok"
        })
        redis.child.stop()
        let started = Date()
        for _ in 0..<20 { try record(client, "NO_REDIS", success: false) }
        #expect(Date().timeIntervalSince(started) < 2, "alert.record never waits for Redis")
        #expect(try client.call("alert.metrics", params: ["webhook_code": "NO_REDIS"])["total_calls"] == 20)
        #expect(TestEnvironment.wait(seconds: 5) {
            (try? client.health())?["components"]?["alert_sharing"]?["status"] == "degraded"
        })
    }

    @Test func aWebhooksOwnThresholdsApplyAndSurviveARestart() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let configuration = """
            webhooks:
              alerting:
                channels: log
            """
        var daemon: DaemonProcess? = try DaemonProcess(configuration: configuration, directory: directory)
        let upserted = try daemon!.client().call("webhook.upsert", params: [
            "code": "FRAGILE", "type": "SERVICE", "auth_type": "none",
            "alerting": ["min_calls": 2, "failure_rate_threshold": 40],
        ])
        #expect(upserted["alerting"] == ["failure_rate_threshold": 40.0, "min_calls": 2])
        try record(daemon!.client(), "FRAGILE", success: false)
        try record(daemon!.client(), "OTHER", success: false)
        try record(daemon!.client(), "OTHER", success: false)
        let fired = try daemon!.client().call("alert.record", params: ["webhook_code": "FRAGILE", "success": false, "duration": 0.1])
        #expect(fired["fired"] == ["high_failure_rate"], "2 calls reach FRAGILE's own min_calls")
        #expect(try daemon!.client().call("alert.metrics", params: ["webhook_code": "OTHER"])["active_alerts"] == [],
                "the global min_calls (10) still applies to OTHER")
        daemon = nil  // stopped by pid
        let restarted = try DaemonProcess(configuration: configuration, directory: directory)
        try record(restarted.client(), "FRAGILE", success: false)
        let again = try restarted.client().call("alert.record", params: ["webhook_code": "FRAGILE", "success": false, "duration": 0.1])
        #expect(again["fired"] == ["high_failure_rate"], "the thresholds were read back from the registry")
    }

    @Test func aBadAlertingMemberIsRefusedNamingIt() throws {
        let daemon = try DaemonProcess()
        let error = #expect(throws: HookClientError.self) {
            try daemon.client().call("webhook.upsert", params: [
                "code": "BAD", "type": "SERVICE", "auth_type": "none", "alerting": ["min_calls": 0],
            ])
        }
        #expect(error?.description.contains("alerting.min_calls") == true, "\(String(describing: error))")
    }
}
