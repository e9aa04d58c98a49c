import Foundation
import HookTestSupport
import HookClient
import HookJSON
import Testing

/// Alerting and structured logs through a real hookd.
struct AlertingTests {
    static let secret = "sk_fake_alerting_7c2e91"

    private func daemon() throws -> DaemonProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_STRIPE_OUT"] = Self.secret
        return try DaemonProcess(environment: environment)
    }

    private func logLines(_ daemon: DaemonProcess, count: Int) -> [JSONValue] {
        TestEnvironment.waitForLines(in: "\(daemon.directory)/state/log/webhooks.jsonl", count: count).compactMap { try? JSONValue.parse($0) }
    }

    @Test func notificationsAreCountedAndTenFailuresFireAndLogAnAlert() throws {
        let daemon = try daemon()
        let connection = try RawConnection(path: daemon.socketPath)
        var lines = ""
        for _ in 0..<10 { lines += #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STRIPE","success":false,"duration":0.5,"status_code":500}}"# + "\n" }
        try connection.send(lines)
        let counted = TestEnvironment.wait(seconds: 5) {
            (try? daemon.client().call("alert.metrics", params: ["webhook_code": "STRIPE"]))?["failed_calls"] == 10
        }
        #expect(counted)
        let alerts = try daemon.client().call("alert.list")["alerts"]?.arrayValue ?? []
        #expect(alerts.contains { $0["alert_type"] == "high_failure_rate" })
        let alertLine = logLines(daemon, count: 1).first { $0["event"] == "webhook_alert" }
        #expect(alertLine?["alert_type"] == "high_failure_rate")
        #expect(alertLine?["metrics"]?["failed_calls"] == 10)
        let delivered = TestEnvironment.wait(seconds: 5) {
            let history = (try? daemon.client().call("alert.history", params: ["webhook_code": "STRIPE"]))?["events"]?.arrayValue
            return history?.first?["deliveries"]?["log"] == "delivered"
        }
        #expect(delivered)
    }

    @Test func noSecretReachesTheStructuredLogOrHookdsOwnLog() throws {
        let daemon = try daemon()
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer", "credential": ["source": "env"]])
        _ = try client.credential(code: "STRIPE")  // now hookd knows the value and masks it anywhere
        let request = try client.call("log.request", params: [
            "webhook_code": "STRIPE", "method": "POST",
            "url": .string("https://user:\(Self.secret)@api.stripe.test/v1/charges?access_token=\(Self.secret)&currency=eur"),
            "headers": ["Authorization": .string("Bearer \(Self.secret)"), "Stripe-Signature": "t=1,v1=abc", "X-Trace": .string(Self.secret)],
            "payload": ["amount": 100, "password": "hunter22", "nested": ["note": .string("key=\(Self.secret)")]],
            "credential_source": "env",
        ])
        let guid = try #require(request["guid"]?.stringValue)
        _ = try client.call("log.response", params: [
            "webhook_code": "STRIPE", "guid": .string(guid), "status_code": 401, "duration": 0.25, "success": false,
            "response_body": .string("{\"error\":\"bad key \(Self.secret)\"}"), "error": .string("401 from Stripe for key \(Self.secret)"),
        ])
        let lines = logLines(daemon, count: 2)
        let requestLine = try #require(lines.first { $0["event"] == "webhook_request" })
        let responseLine = try #require(lines.first { $0["event"] == "webhook_response" })
        #expect(requestLine["guid"] == .string(guid))
        #expect(responseLine["guid"] == .string(guid))
        #expect(requestLine["headers"]?["Authorization"] == "***MASKED***")
        #expect(requestLine["headers"]?["Stripe-Signature"] == "***MASKED***")
        #expect(requestLine["url"]?.stringValue?.contains("currency=eur") == true)
        #expect(responseLine["status_code"] == 401)
        #expect(responseLine["error"] == "401 from Stripe for key ***MASKED***")
        daemon.child.stop()
        for path in ["\(daemon.directory)/state/log/webhooks.jsonl", daemon.child.outputPath] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            #expect(!text.contains(Self.secret), "\(path) holds the secret")
            #expect(!text.contains("hunter22"), "\(path) holds a password")
        }
    }

    @Test func sighupReopensTheStructuredLogForLogrotate() throws {
        let daemon = try daemon()
        let client = daemon.client()
        let path = "\(daemon.directory)/state/log/webhooks.jsonl"
        _ = try client.call("log.request", params: ["webhook_code": "A", "method": "GET", "url": "https://a.test"])
        #expect(TestEnvironment.waitForLines(in: path, count: 1).count == 1)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        daemon.child.signal(SIGHUP)
        let reopened = TestEnvironment.wait(seconds: 5) { FileManager.default.fileExists(atPath: path) }
        #expect(reopened)
        _ = try client.call("log.request", params: ["webhook_code": "B", "method": "GET", "url": "https://b.test"])
        let fresh = TestEnvironment.waitForLines(in: path, count: 1)
        #expect(fresh.count == 1)
        #expect(fresh.first?.contains(#""webhook_code":"B""#) == true)
        #expect(TestEnvironment.waitForLines(in: path + ".1", count: 1).count == 1)
    }

    @Test func badAlertRecordParamsNameTheParameter() throws {
        let daemon = try daemon()
        let failure = try #require(throws: HookClientError.self) {
            try daemon.client().call("alert.record", params: ["webhook_code": "STRIPE", "success": true, "duration": -1])
        }
        guard case .reply(let error) = failure else {
            Issue.record("expected an error reply, got \(failure)")
            return
        }
        #expect(error.code == -32602)
        #expect(error.details["parameter"] == "duration")
    }
}

extension AlertingTests {
    @Test func alertConfigShowsChannelSettingsWithSecretsMasked() throws {
        let daemon = try DaemonProcess(configuration: """
            slack:
              webhook_url: https://hooks.slack.test/services/T0/B0/slack-secret-token
            pagerduty:
              routing_key: pd-routing-key-0123456789abcdef0123
            smtp:
              url: smtp://127.0.0.1:2525
              from: alerts@hookd.test
              password: smtp-password-secret
            webhooks:
              alerting:
                channels: log,slack
            """)
        let config = try daemon.client().call("alert.config")
        #expect(config["slack"]?["webhook_url"] == "***MASKED***")
        #expect(config["pagerduty"]?["routing_key"] == "***MASKED***")
        #expect(config["smtp"]?["password"] == "***MASKED***")
        #expect(config["smtp"]?["from"] == "alerts@hookd.test")
        #expect(config["active_channels"] == ["log", "slack"])
        for secret in ["slack-secret-token", "pd-routing-key", "smtp-password-secret"] {
            #expect(!config.compactText.contains(secret))
        }
    }
}

extension AlertingTests {
    /// A Slack that never answers must not slow `alert.record`: deliveries run on their own tasks.
    @Test func aHangingSlackNeverSlowsAlertRecord() throws {
        let slack = try PortFileFixture(name: "slack", executable: "/usr/bin/env",
                                        arguments: ["python3", PortFileFixture.fixtures + "/alert_receivers.py", "--port", "0"])
        defer { slack.stop() }
        try HTTPControl.call("POST", "http://127.0.0.1:\(slack.port)/__test__/config", ["mode": "hang", "hang_seconds": 30])
        let daemon = try DaemonProcess(configuration: """
            slack:
              webhook_url: http://127.0.0.1:\(slack.port)/services/T000/B000/hanging-slack-token
              timeout_seconds: 20
            webhooks:
              alerting:
                channels: log,slack
                min_calls: 1
                auth_failure_threshold: 1
            """)
        let client = daemon.client()
        let started = Date()
        // Every code fires auth_failures at once, so every call queues a Slack delivery that hangs.
        for index in 0..<100 {
            let fired = try client.call("alert.record", params: ["webhook_code": .string("HANG_\(index)"), "success": false, "duration": 0.1, "status_code": 401])
            #expect(fired["fired"]?.arrayValue?.isEmpty == false)
        }
        let elapsed = Date().timeIntervalSince(started)
        // Were a delivery awaited, one call alone would take the 20 s Slack timeout.
        #expect(elapsed < 10, "100 alert.record calls took \(elapsed) s with Slack hanging")
        #expect(TestEnvironment.wait(seconds: 5) {
            (try? HTTPControl.call("GET", "http://127.0.0.1:\(slack.port)/__test__/requests"))?["requests"]?.arrayValue?.isEmpty == false
        })
    }
}
