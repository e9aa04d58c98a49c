import Foundation
import HookClient
import HookJSON
import HookTestSupport
import Testing

/// Issue 15, the command line: `hookrpc sandbox trigger|replay|route|unroute` against a real hookd
/// with `sandbox.enabled: true`, a handler that verifies what it receives through hookd
/// (Tests/Fixtures/inbound_handler.py), and for replays a stand-in for the sandbox's capture API
/// (Tests/Fixtures/capture_api.py). Secrets are fake; every URL is on loopback.
@Suite(.serialized)
struct SandboxCommandTests {
    /// SandboxTests' IN webhooks (SB_STRIPE among them) behind a verifying handler.
    final class Setup {
        let base: SandboxTests.Setup
        var daemon: DaemonProcess { base.daemon }
        var handler: PortFileFixture { base.handler }

        init(enabled: Bool = true) throws {
            base = try SandboxTests.Setup(enabled: enabled)
        }

        var handlerBase: String { "http://127.0.0.1:\(handler.port)" }

        /// What the handler received, oldest first, each with its verdict.
        func requests() throws -> [JSONValue] {
            try HTTPControl.call("GET", "\(handlerBase)/__test__/requests").arrayValue ?? []
        }

        /// Runs `hookrpc sandbox …` against this hookd; at most 20 s, then it is stopped.
        func sandbox(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32?, output: String) {
            let child = try ChildProcess(executable: TestEnvironment.hookrpcPath,
                                         arguments: ["sandbox"] + arguments + ["--socket", daemon.socketPath],
                                         environment: environment, outputPath: "\(daemon.directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
            let status = child.waitForExit(seconds: 20)
            child.stop(grace: 1)
            return (status, child.output)
        }

        /// Sends one signed Stripe event to the handler and returns what it received, as the
        /// sandbox would have captured it at `/in/SB_STRIPE`.
        func capturedStripeEvent(id: Int64) throws -> JSONValue {
            let sent = try sandbox(["trigger", "stripe", "payment_intent.succeeded", "--to", "\(handlerBase)/in/SB_STRIPE", "--code", "SB_STRIPE"])
            guard sent.status == 0, let received = try requests().last else { throw TestSupportFailure("trigger failed: \(sent.output)") }
            return [
                "id": .integer(id), "endpoint": "stripe", "method": "POST", "path": "/in/SB_STRIPE", "query": "",
                "headers": received["headers"] ?? [:], "body_base64": received["body_base64"] ?? "",
                "received_at": "2026-12-03T12:00:00.000Z", "peer": "127.0.0.1", "outcome": "answered", "status": 200, "latency_ms": 1,
            ]
        }

        func stop() {
            base.stop()
        }
    }

    /// The stand-in for hooksandbox's API, serving one capture from a file.
    final class CaptureAPI {
        let file: String
        let server: PortFileFixture

        init(capture: JSONValue) throws {
            file = NSTemporaryDirectory() + "hookd-capture-\(UUID().uuidString.prefix(8)).json"
            try Data(capture.encoded()).write(to: URL(fileURLWithPath: file))
            server = try PortFileFixture(name: "capture-api", executable: "/usr/bin/env",
                                         arguments: ["python3", PortFileFixture.fixtures + "/capture_api.py", "--capture", file, "--port", "0"])
        }

        var url: String { "http://127.0.0.1:\(server.port)" }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    @Test func triggerSendsASignedSampleEventThatTheHandlerVerifies() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let result = try setup.sandbox(["trigger", "stripe", "payment_intent.succeeded", "--to", "\(setup.handlerBase)/in/SB_STRIPE",
                                        "--code", "SB_STRIPE"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("sent stripe payment_intent.succeeded → 200 in "), "\(result.output)")
        #expect(result.output.contains(" ms (evt_"), "\(result.output)")
        let received = try setup.requests()
        #expect(received.count == 1)
        #expect(received.first?["valid"] == true, "\(received.first?.compactText ?? "nothing received")")
        #expect(SandboxTests.inbound.allSatisfy { !result.output.contains($0.secret) })
    }

    @Test func triggerWithJsonPrintsHookdsResult() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let result = try setup.sandbox(["trigger", "stripe", "charge.failed", "--to", "\(setup.handlerBase)/in/SB_STRIPE", "--code", "SB_STRIPE",
                                        "--json"])
        #expect(result.status == 0, "\(result.output)")
        let printed = try JSONValue.parse(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(printed["status_code"] == 200 && printed["event_id"]?.stringValue?.hasPrefix("evt_") == true, "\(result.output)")
    }

    @Test func routeWithoutToSendsEachCodeToItsOwnEndpointOnTheSandboxAndUnrouteUndoesIt() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let client = setup.daemon.client()
        for code in ["SB_OUT_A", "SB_OUT_B"] {
            _ = try client.upsertWebhook(["code": .string(code), "url": "https://api.payments.example.test/hooks", "auth_type": "bearer",
                                          "credential": ["source": "database", "value": "tok_fake_sandbox_command"]])
        }
        // Nothing is sent by a route: the sandbox need not be listening.
        let routed = try setup.sandbox(["route", "SB_OUT_A", "SB_OUT_B", "--sandbox", "http://127.0.0.1:18787/"])
        #expect(routed.status == 0, "\(routed.output)")
        #expect(routed.output.contains("routed SB_OUT_A → http://127.0.0.1:18787/in/sb_out_a"), "\(routed.output)")
        #expect(routed.output.contains("routed SB_OUT_B → http://127.0.0.1:18787/in/sb_out_b"), "\(routed.output)")
        let shown = try client.call("webhook.get", params: ["code": "SB_OUT_A"])
        #expect(shown["sandbox"] == true && shown["sandbox_url"] == "http://127.0.0.1:18787/in/sb_out_a", "\(shown.compactText)")
        #expect(shown["url"] == "https://api.payments.example.test/hooks")

        let unrouted = try setup.sandbox(["unroute", "SB_OUT_A", "SB_OUT_B"])
        #expect(unrouted.status == 0, "\(unrouted.output)")
        #expect(unrouted.output.contains("unrouted SB_OUT_A") && unrouted.output.contains("unrouted SB_OUT_B"), "\(unrouted.output)")
        for code in ["SB_OUT_A", "SB_OUT_B"] {
            #expect(try client.call("webhook.get", params: ["code": .string(code)])["sandbox"] == nil)
        }
    }

    @Test func routeFindsTheSandboxInTheEnvironmentAndToSendsEveryCodeToOneEndpoint() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let client = setup.daemon.client()
        for code in ["SB_OUT_A", "SB_OUT_B"] {
            _ = try client.upsertWebhook(["code": .string(code), "url": "https://api.payments.example.test/hooks", "auth_type": "bearer",
                                          "credential": ["source": "database", "value": "tok_fake_sandbox_command"]])
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_SANDBOX_URL"] = "http://127.0.0.1:18788"
        let fromEnvironment = try setup.sandbox(["route", "SB_OUT_A"], environment: environment)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.output)")
        #expect(try client.call("webhook.get", params: ["code": "SB_OUT_A"])["sandbox_url"] == "http://127.0.0.1:18788/in/sb_out_a")

        let shared = try setup.sandbox(["route", "SB_OUT_A", "SB_OUT_B", "--to", "http://127.0.0.1:18789/in/shared", "--json"])
        #expect(shared.status == 0, "\(shared.output)")
        let printed = try JSONValue.parse(shared.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(printed["routed"] == ["SB_OUT_A", "SB_OUT_B"] && printed["to"] == "http://127.0.0.1:18789/in/shared", "\(shared.output)")
        #expect(try client.call("webhook.get", params: ["code": "SB_OUT_B"])["sandbox_url"] == "http://127.0.0.1:18789/in/shared")
    }

    @Test func routeOfAnUnknownWebhookExitsOne() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let result = try setup.sandbox(["route", "NO_SUCH_WEBHOOK", "--sandbox", "http://127.0.0.1:18787"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("NO_SUCH_WEBHOOK"), "\(result.output)")
    }

    @Test func replayOfACaptureAsItWasIsAnsweredReplayed() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let api = try CaptureAPI(capture: setup.capturedStripeEvent(id: 7))
        defer { api.stop() }
        let result = try setup.sandbox(["replay", "7", "--to", setup.handlerBase, "--sandbox", api.url])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("replayed capture 7 (POST /in/SB_STRIPE) → 401 in "), "\(result.output)")
        #expect(result.output.contains("replayed\""), "the handler's answer is shown: \(result.output)")
        let last = try #require(try setup.requests().last)
        #expect(last["reason"] == "replayed" && last["path"] == "/in/SB_STRIPE", "\(last.compactText)")
    }

    @Test func replayWithResignIsValidInTheHandler() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let api = try CaptureAPI(capture: setup.capturedStripeEvent(id: 8))
        defer { api.stop() }
        // Stripe's event id is its timestamp and signature: re-signed within the same second, the
        // request would be the same one again.
        Thread.sleep(forTimeInterval: 1.1)
        let result = try setup.sandbox(["replay", "8", "--to", setup.handlerBase, "--resign", "SB_STRIPE", "--sandbox", api.url])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("re-signed for SB_STRIPE) → 200 in "), "\(result.output)")
        let last = try #require(try setup.requests().last)
        #expect(last["valid"] == true, "\(last.compactText)")
    }

    @Test func replayOfAnUnknownCaptureExitsOneAndSendsNothing() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let api = try CaptureAPI(capture: setup.capturedStripeEvent(id: 7))
        defer { api.stop() }
        let result = try setup.sandbox(["replay", "999", "--to", setup.handlerBase, "--sandbox", api.url])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("no capture 999"), "\(result.output)")
        #expect(try setup.requests().count == 1, "only the trigger that made the capture arrived")
    }

    @Test func replayFromAnUnreachableSandboxExitsThree() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let port = try LoopbackPort.unused()
        let result = try setup.sandbox(["replay", "7", "--to", setup.handlerBase, "--sandbox", "http://127.0.0.1:\(port)"])
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("cannot reach the sandbox at http://127.0.0.1:\(port)"), "\(result.output)")
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let notAnID = try setup.sandbox(["replay", "seven", "--to", setup.handlerBase])
        #expect(notAnID.status == 64, "\(notAnID.output)")
        let noCodes = try setup.sandbox(["unroute"])
        #expect(noCodes.status == 64, "\(noCodes.output)")
        let badSandbox = try setup.sandbox(["route", "SB_OUT_A", "--sandbox", "127.0.0.1:8787"])
        #expect(badSandbox.status == 64 && badSandbox.output.contains("--sandbox"), "\(badSandbox.output)")
    }

    @Test func aHookdWithoutSandboxEnabledExitsOneNamingTheSetting() throws {
        let setup = try Setup(enabled: false)
        defer { setup.stop() }
        let result = try setup.sandbox(["trigger", "stripe", "payment_intent.succeeded", "--to", "\(setup.handlerBase)/in/SB_STRIPE",
                                        "--code", "SB_STRIPE"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("sandbox.enabled"), "\(result.output)")
        #expect(try setup.requests().isEmpty)
        let unroute = try setup.sandbox(["unroute", "SB_OUT_A"])
        #expect(unroute.status == 1 && unroute.output.contains("sandbox.enabled"), "\(unroute.output)")
    }
}
