import Foundation
import HookTestSupport
import HookClient
import HookJSON
import Testing

/// `hookrpc webhook …` and `hookrpc credential …` against a daemon holding an env credential.
struct RegistryCommandTests {
    static let token = "env-secret-token-5e1d"

    private func hookrpc(_ arguments: [String], _ daemon: DaemonProcess) throws -> (status: Int32?, output: String) {
        let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: arguments + ["--socket", daemon.socketPath],
                                     outputPath: "\(daemon.directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
        return (child.waitForExit(seconds: 15), child.output)
    }

    private func daemon() throws -> DaemonProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_STRIPE_OUT"] = Self.token
        return try DaemonProcess(environment: environment)
    }

    @Test func exportThenImportReproducesTheRegistryWithoutSecrets() throws {
        let source = try daemon()
        let client = source.client()
        _ = try client.upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test/v1", "auth_type": "bearer",
                                      "credential": ["source": "env"], "headers": ["X-Tenant": "acme"], "timeout_seconds": 7.5])
        _ = try client.upsertWebhook(["code": "GITHUB", "direction": "IN", "type": "SERVICE", "auth_type": "hmac",
                                      "credential": ["source": "database", "value": ["secret": "whsec_db_only", "scheme": "github"]],
                                      "inbound": ["tolerance_seconds": 120, "generic": ["header": "X-Signature"]]])
        let exported = try hookrpc(["webhook", "export"], source)
        #expect(exported.status == 0)
        #expect(exported.output.hasPrefix("webhooks:\n"))
        #expect(!exported.output.contains("whsec_db_only"))
        #expect(!exported.output.contains("created_at"))
        let file = "\(source.directory)/registry.yaml"
        try exported.output.write(toFile: file, atomically: true, encoding: .utf8)

        let target = try daemon()
        let imported = try hookrpc(["webhook", "import", file], target)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("imported 2 webhook(s)"))
        func definitions(_ daemon: DaemonProcess) throws -> [JSONValue] {
            try daemon.client().webhooks().map { webhook in
                guard case .object(var object) = webhook else { return webhook }
                object["created_at"] = nil
                object["updated_at"] = nil
                return .object(object)
            }
        }
        #expect(try definitions(target) == definitions(source))
        #expect(exported.output.contains(#"inbound: {"generic":"#) || exported.output.contains(#"inbound: {"tolerance_seconds":120"#),
                "the IN webhook's inbound settings are exported: \(exported.output)")
    }

    @Test func aBadFileIsRefusedBeforeAnythingIsSent() throws {
        let target = try daemon()
        let file = "\(target.directory)/bad.yaml"
        try """
            webhooks:
              - {code: FIRST, url: "https://a.test", auth_type: bearer}
              - {code: SECOND, url: "https://b.test", auth_type: mtls}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try hookrpc(["webhook", "import", file], target)
        #expect(result.status == 64)
        #expect(result.output.contains("webhooks[1]: 'auth_type' must be one of"))
        #expect(try target.client().webhooks().isEmpty)
    }

    @Test func credentialCommandsShowSourceValueAndInvalidation() throws {
        let daemon = try daemon()
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer", "credential": ["source": "env"]])
        let source = try hookrpc(["credential", "source", "STRIPE"], daemon)
        #expect(source.status == 0)
        #expect(source.output.contains("Webhook:  STRIPE/OUT\nSource:   env (ref HOOKD_CRED_STRIPE_OUT)\n"))
        #expect(source.output.contains("Exists:   yes"))
        #expect(!source.output.contains(Self.token))
        let get = try hookrpc(["credential", "get", "STRIPE", "--json"], daemon)
        #expect(try JSONValue.parse(get.output.trimmingCharacters(in: .whitespacesAndNewlines))["credential"]?["token"] == .string(Self.token))
        let invalidate = try hookrpc(["credential", "invalidate", "STRIPE"], daemon)
        #expect(invalidate.output.contains("invalidated 1 cached credential(s)"))
        let missing = try hookrpc(["credential", "get", "NOPE"], daemon)
        #expect(missing.status == 1)
        #expect(missing.output.contains("not_found"))
    }

    @Test func webhookListGetAndDeleteForPeople() throws {
        let daemon = try daemon()
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer", "credential": ["source": "env"]])
        let list = try hookrpc(["webhook", "list"], daemon)
        #expect(list.output.contains("WEBHOOK"))
        #expect(list.output.contains("STRIPE/OUT"))
        #expect(try hookrpc(["webhook", "delete", "STRIPE"], daemon).output.contains("deleted STRIPE/OUT"))
        #expect(try hookrpc(["webhook", "delete", "STRIPE"], daemon).status == 1)
    }
}
