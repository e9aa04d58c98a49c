import Foundation
import HookClient
import HookHTTP
import HookJSON
import HookTestSupport
import Testing

/// Issue 15's proof, end to end: a real hookd (`sandbox.enabled`) routes an OUT webhook's
/// deliveries to a real `hooksandbox` endpoint scripted to answer 503, 503, 200; the sandbox
/// captures each attempt and asks hookd's `inbound.verify` (an IN webhook with the same secret)
/// whether its signature holds. The registry's URL is never contacted; every byte stays on
/// loopback. The secret is fake.
@Suite(.serialized)
struct SandboxEndToEndTests {
    static let code = "SB_E2E"
    /// GitHub-form: signed into `X-Hub-Signature-256`, with no event id of hookd's own, so the
    /// retries of one delivery are not refused as replays of the first attempt.
    static let credential: JSONValue = ["source": "database", "value": ["secret": "gh_fake_sandbox_e2e_secret_0123", "scheme": "github"]]

    /// hookd, and a hooksandbox that verifies through it; both stopped by pid, also on failure.
    final class Setup {
        let daemon: DaemonProcess
        let sandbox: ChildProcess
        let port: Int

        init() throws {
            daemon = try DaemonProcess(configuration: "sandbox:\n  enabled: true\n")
            do {
                port = try LoopbackPort.unused()
                sandbox = try ChildProcess(
                    executable: TestEnvironment.hooksandboxPath,
                    arguments: ["--listen", "127.0.0.1:\(port)", "--data", daemon.directory + "/sandbox", "--hookd-socket", daemon.socketPath],
                    outputPath: daemon.directory + "/hooksandbox.log")
            } catch {
                _ = daemon.child.stop()
                throw error
            }
            let ready = TestEnvironment.wait(seconds: 10) { [sandbox, port] in
                guard sandbox.isRunning else { return true }
                return (try? HTTPControl.call("GET", "http://127.0.0.1:\(port)/api/stats")) != nil
            }
            guard ready, sandbox.isRunning else {
                let output = sandbox.output
                stop()
                throw DaemonFailure(message: "hooksandbox did not answer on port \(port): \(output)")
            }
        }

        var base: String { "http://127.0.0.1:\(port)" }
        var client: HookClient { daemon.client(timeoutSeconds: 30) }

        /// The endpoint's captures, oldest first.
        func captures(_ endpoint: String) throws -> [JSONValue] {
            let listed = try HTTPControl.call("GET", "\(base)/api/captures?endpoint=\(endpoint)")
            return (listed["captures"]?.arrayValue ?? []).reversed()
        }

        func stop() {
            _ = sandbox.stop(grace: 5)
            _ = daemon.child.stop()
        }
    }

    /// A header's value, its name matched case-insensitively.
    private func header(_ capture: JSONValue, _ name: String) -> String? {
        guard case .object(let headers)? = capture["headers"] else { return nil }
        return headers.first { $0.key.lowercased() == name }?.value.stringValue
    }

    @Test func aRoutedDeliveryScripted503503200IsCapturedThreeTimesWithOneWebhookIdAndValidSignaturesThenDelivered() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let client = setup.client
        _ = try client.upsertWebhook([
            "code": .string(Self.code), "direction": "OUT", "type": "HTTP", "url": "https://api.partner.example.test/hooks",
            "auth_type": "hmac", "credential": Self.credential, "retry": ["schedule": ["200ms", "200ms", "200ms"]],
        ])
        _ = try client.upsertWebhook([
            "code": .string(Self.code), "direction": "IN", "type": "SERVICE", "auth_type": "hmac", "credential": Self.credential,
        ])
        try HTTPControl.call("POST", "\(setup.base)/api/endpoints/sb_e2e/script", ["statuses": [503, 503, 200], "code": .string(Self.code)])
        let routed = try client.call("sandbox.route", params: ["codes": [.string(Self.code)], "to": .string("\(setup.base)/in/sb_e2e")])
        #expect(routed["routed"] == [.string(Self.code)], "\(routed.compactText)")

        let answer = try client.deliver(code: Self.code, payload: ["id": "evt_fake_e2e", "type": "order.paid"], wait: .final,
                                        timeoutMilliseconds: 15_000)
        #expect(answer["status"] == "delivered", "\(answer.compactText)")
        let id = try #require(answer["delivery_id"]?.stringValue, "\(answer.compactText)")

        // Verdicts come from hookd while the sandbox answers: wait until each capture has one.
        var captures: [JSONValue] = []
        let judged = TestEnvironment.wait(seconds: 10) {
            captures = (try? setup.captures("sb_e2e")) ?? []
            return captures.count >= 3 && captures.allSatisfy { $0["signature"]?["valid"] != nil }
        }
        #expect(judged, "captures: \(captures.map(\.compactText))")
        #expect(captures.count == 3, "captures: \(captures.map(\.compactText))")
        #expect(captures.map { $0["status"]?.integerValue } == [503, 503, 200])
        let webhookIDs = Set(captures.compactMap { header($0, "webhook-id") })
        #expect(webhookIDs.count == 1 && captures.allSatisfy { header($0, "webhook-id") != nil }, "\(webhookIDs)")
        for capture in captures {
            #expect(capture["signature"]?["valid"] == true, "\(capture["signature"]?.compactText ?? "no verdict")")
            #expect(header(capture, "x-hub-signature-256")?.hasPrefix("sha256=") == true)
        }

        let delivery = try client.delivery(id: id)
        #expect(delivery["status"] == "delivered", "\(delivery.compactText)")
        let attempts = delivery["attempts"]?.arrayValue ?? []
        #expect(attempts.count == 3, "\(delivery.compactText)")
        #expect(attempts.map { $0["status_code"]?.integerValue } == [503, 503, 200], "\(delivery.compactText)")
        // The sandbox asked hookd; the secret never reached it.
        #expect(!setup.sandbox.output.contains("gh_fake_sandbox_e2e_secret_0123"))
    }
}
