import Foundation
import HookClient
import HookJSON
import HookRPC
import HookTestSupport
import Testing

/// Issue 15, hookd's side, black box: `sandbox.trigger` signs each provider's sample event with an
/// IN webhook's secret and sends it to a small handler (Tests/Fixtures/inbound_handler.py) that
/// verifies it through hookd, as an application would; `sandbox.replay` resends a captured
/// request, as it was (a replay) or re-signed; `sandbox.route` sends an OUT webhook's deliveries
/// to a sandbox endpoint without touching its URL. Secrets are fake.
@Suite(.serialized)
struct SandboxTests {
    /// Each provider's IN webhook and a secret in its provider's form.
    static let inbound: [(code: String, scheme: String, secret: String)] = [
        ("SB_STRIPE", "stripe", "whsec_fake_sandbox_stripe_0123"),
        ("SB_GITHUB", "github", "gh_fake_sandbox_secret_0123"),
        ("SB_SLACK", "slack", "0123456789abcdef0123456789abcdef"),
        ("SB_SHOPIFY", "shopify", "shpss_fake_sandbox_0123456789"),
        ("SB_TWILIO", "twilio", "fedcba9876543210fedcba9876543210"),
        ("SB_STANDARD", "standard_webhooks", "whsec_ZmFrZV9zYW5kYm94X3N0YW5kYXJkX2tleV8wMTIzNDU="),
    ]
    static let templates: [(provider: String, event: String, code: String)] = [
        ("stripe", "payment_intent.succeeded", "SB_STRIPE"), ("stripe", "charge.failed", "SB_STRIPE"),
        ("github", "push", "SB_GITHUB"), ("github", "pull_request", "SB_GITHUB"), ("slack", "event_callback", "SB_SLACK"),
        ("shopify", "orders/create", "SB_SHOPIFY"), ("twilio", "sms", "SB_TWILIO"), ("standard_webhooks", "generic", "SB_STANDARD"),
    ]

    final class Setup {
        let daemon: DaemonProcess
        let handler: PortFileFixture

        init(enabled: Bool = true) throws {
            daemon = try DaemonProcess(configuration: "sandbox:\n  enabled: \(enabled)\n")
            handler = try PortFileFixture(name: "inbound-handler", executable: "/usr/bin/env",
                                          arguments: ["python3", PortFileFixture.fixtures + "/inbound_handler.py", "--port", "0",
                                                      "--hookd-socket", daemon.socketPath])
            for webhook in SandboxTests.inbound {
                _ = try daemon.client().upsertWebhook([
                    "code": .string(webhook.code), "direction": "IN", "type": "SERVICE", "auth_type": "hmac",
                    "credential": ["source": "database", "value": ["secret": .string(webhook.secret), "scheme": .string(webhook.scheme)]],
                ])
            }
        }

        func handlerURL(_ code: String) -> String { "http://127.0.0.1:\(handler.port)/in/\(code)" }

        func call(_ method: String, _ params: JSONObject) throws -> JSONValue {
            try daemon.client(timeoutSeconds: 40).call(method, params: params)
        }

        func requests() throws -> [JSONValue] {
            try HTTPControl.call("GET", "http://127.0.0.1:\(handler.port)/__test__/requests").arrayValue ?? []
        }

        func stop() {
            handler.stop()
            _ = daemon.child.stop()
        }
    }

    @Test func everyTemplateArrivesSignedAsItsProviderSignsAndVerifiesInTheHandler() throws {
        let setup = try Setup()
        defer { setup.stop() }
        for template in Self.templates {
            let sent = try setup.call("sandbox.trigger", ["code": .string(template.code), "provider": .string(template.provider),
                                                         "event": .string(template.event), "to": .string(setup.handlerURL(template.code))])
            #expect(sent["status_code"] == 200, "\(template.provider) \(template.event): \(sent.compactText)")
            #expect(sent["event_id"]?.stringValue?.isEmpty == false)
        }
        let received = try setup.requests()
        #expect(received.count == Self.templates.count)
        for (request, template) in zip(received, Self.templates) {
            #expect(request["valid"] == true, "\(template.provider) \(template.event): \(request["reason"]?.compactText ?? "")")
        }
        let github = received[2]["headers"]
        #expect(github?["X-Github-Event"] == "push" && github?["X-Github-Delivery"]?.stringValue?.count == 36, "\(github?.compactText ?? "")")
        #expect(received[6]["headers"]?["Content-Type"] == "application/x-www-form-urlencoded", "twilio posts a form")
        #expect(received[5]["headers"]?["X-Shopify-Topic"] == "orders/create")
        // hookd's own log never holds a secret.
        for webhook in Self.inbound { #expect(!setup.daemon.child.output.contains(webhook.secret)) }
    }

    @Test func aReplayAsCapturedIsRefusedAsReplayedAndAReSignedOneIsValid() throws {
        let setup = try Setup()
        defer { setup.stop() }
        for template in [Self.templates[0], Self.templates[7]] {
            _ = try setup.call("sandbox.trigger", ["code": .string(template.code), "provider": .string(template.provider),
                                                  "event": .string(template.event), "to": .string(setup.handlerURL(template.code))])
        }
        let captured = try setup.requests()
        for (index, capture) in captured.enumerated() {
            let code = try #require(capture["code"]?.stringValue)
            let params: JSONObject = [
                "method": "POST", "headers": capture["headers"] ?? [:], "body_base64": capture["body_base64"] ?? "",
                "to": .string("http://127.0.0.1:\(setup.handler.port)"), "path": .string("/in/\(code)"),
            ]
            let again = try setup.call("sandbox.replay", params)
            #expect(again["status_code"] == 401, "\(code) as captured: \(again.compactText)")
            var resigned = params
            resigned["resign_code"] = .string(code)
            // Stripe's event id is its timestamp and signature: re-signed within the same second,
            // the request is the same one again.
            Thread.sleep(forTimeInterval: 1.1)
            _ = try setup.call("sandbox.replay", resigned)
            let verdicts = try setup.requests()
            #expect(verdicts[captured.count + index * 2]["reason"] == "replayed")
            let verdict = verdicts[captured.count + index * 2 + 1]
            if code == "SB_STANDARD" {
                // Re-signed with a fresh timestamp but the same webhook-id, which is what receivers
                // deduplicate by: the signature holds, the event is one they have seen.
                #expect(verdict["reason"] == "replayed", "\(verdict.compactText)")
            } else {
                #expect(verdict["valid"] == true, "\(code) re-signed: \(verdict.compactText)")
            }
        }
        let standard = try setup.requests().filter { $0["code"] == "SB_STANDARD" }
        #expect(Set(standard.compactMap { $0["headers"]?["Webhook-Id"]?.stringValue }).count == 1, "\(standard.map { $0["headers"]?.compactText ?? "" })")
        #expect(Set(standard.compactMap { $0["headers"]?["Webhook-Timestamp"]?.stringValue }).count >= 1)
    }

    @Test func routedDeliveriesGoToTheSandboxEndpointWhileTheRegistryURLStays() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let sink = try DeliverySink()
        let client = setup.daemon.client()
        _ = try client.upsertWebhook(["code": "SB_OUT", "url": "https://api.payments.example.test/hooks", "auth_type": "bearer",
                                      "credential": ["source": "database", "value": "tok_fake_sandbox_route"]])
        let routed = try setup.call("sandbox.route", ["codes": ["SB_OUT"], "to": .string(sink.url("/in/sb_out"))])
        #expect(routed["routed"] == ["SB_OUT"])
        let shown = try client.call("webhook.get", params: ["code": "SB_OUT"])
        #expect(shown["sandbox"] == true && shown["url"] == "https://api.payments.example.test/hooks", "\(shown.compactText)")
        _ = try client.deliver(code: "SB_OUT", payload: ["id": "evt_routed"], wait: .firstAttempt)
        let arrived = try sink.waitForRequests("/in/sb_out", atLeast: 1, seconds: 10)
        #expect(arrived.first?.headers["authorization"] == "Bearer tok_fake_sandbox_route")
        let unrouted = try setup.call("sandbox.unroute", ["codes": ["SB_OUT"]])
        #expect(unrouted["unrouted"] == ["SB_OUT"])
        #expect(try client.call("webhook.get", params: ["code": "SB_OUT"])["sandbox"] == nil)
        #expect(throws: HookClientError.self) { _ = try setup.call("sandbox.route", ["codes": ["NO_SUCH"], "to": .string(sink.url("/x"))]) }
    }

    @Test func aHookdWithoutSandboxEnabledRefusesAndNoCallLeavesLoopback() throws {
        let setup = try Setup(enabled: false)
        defer { setup.stop() }
        #expect {
            _ = try setup.call("sandbox.trigger", ["code": "SB_GITHUB", "provider": "github", "event": "push", "to": .string(setup.handlerURL("SB_GITHUB"))])
        } throws: { error in
            guard case .reply(let reply) = error as? HookClientError else { return false }
            return reply.kind == .permissionDenied && reply.details["reason"] == "sandbox_disabled"
        }
        #expect(try setup.requests().isEmpty)
        let enabled = try Setup()
        defer { enabled.stop() }
        for target in ["http://203.0.113.7/in/x", "https://hooks.example.test/in/x", "ftp://127.0.0.1/x"] {
            #expect {
                _ = try enabled.call("sandbox.trigger", ["code": "SB_GITHUB", "provider": "github", "event": "push", "to": .string(target)])
            } throws: { error in
                guard case .reply(let reply) = error as? HookClientError else { return false }
                return reply.kind == .invalidParams && reply.details["parameter"] == "to"
            }
        }
        #expect {
            _ = try enabled.call("sandbox.trigger", ["code": "SB_GITHUB", "provider": "github", "event": "fork", "to": .string(enabled.handlerURL("X"))])
        } throws: { error in
            guard case .reply(let reply) = error as? HookClientError else { return false }
            return reply.kind == .invalidParams && reply.message.contains("push")
        }
    }
}
