import Foundation
import HookTestSupport
import HookJSON
import Testing

/// The ACL seen from another user: `nobody` runs hookrpc against a daemon running as root.
///
/// The socket is opened to everyone (mode 0666) in these tests so that only the ACL decides.
struct AccessControlTests {
    /// Runs hookrpc as nobody:nogroup with `arguments`; returns the exit status and stderr+stdout.
    private func runAsNobody(_ arguments: [String], in directory: String) throws -> (Int32?, String) {
        let child = try ChildProcess(
            executable: "/usr/bin/setpriv",
            arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", TestEnvironment.hookrpcPath] + arguments,
            outputPath: "\(directory)/nobody-\(UUID().uuidString.prefix(6)).out")
        return (child.waitForExit(seconds: 15), child.output)
    }

    @Test func byDefaultAnotherUserIsRefusedWithPermissionDenied() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  socket_mode: \"0666\"\n")
        let (status, output) = try runAsNobody(["call", "system.health", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(status == 1)
        #expect(output.contains("-32001"))
        #expect(output.contains("permission_denied"))
        #expect(output.contains("uid 65534 has no grant"))
        // Root, the daemon's own user, is still served.
        #expect(try daemon.client().echo("root") == "root")
    }

    @Test func aRuleGrantsExactlyTheMethodsItNames() throws {
        let daemon = try DaemonProcess(configuration: """
            hookd:
              socket_mode: "0666"
              acl:
                - methods: ["system.health"]
                  users: [nobody]
            """)
        let (allowed, healthOutput) = try runAsNobody(["health", "--json", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(allowed == 0, "\(healthOutput)")
        #expect(try JSONValue.parse(healthOutput.trimmingCharacters(in: .whitespacesAndNewlines))["status"] == "ok")
        let (denied, echoOutput) = try runAsNobody(["call", "system.echo", #"{"value":1}"#, "--socket", daemon.socketPath], in: daemon.directory)
        #expect(denied == 1)
        #expect(echoOutput.contains("permission_denied"))
    }

    @Test func aGroupRuleAndSighupReloadGrantAccessWithoutARestart() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  socket_mode: \"0666\"\n")
        let (before, _) = try runAsNobody(["call", "system.version", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(before == 1)
        try """
            hookd:
              socket_mode: "0666"
              acl:
                - methods: ["system.*"]
                  groups: [nogroup]
            """.write(toFile: "\(daemon.directory)/hookd.yaml", atomically: true, encoding: .utf8)
        daemon.child.signal(SIGHUP)
        let granted = TestEnvironment.wait(seconds: 5) {
            (try? runAsNobody(["call", "system.version", "--socket", daemon.socketPath], in: daemon.directory).0) == 0
        }
        #expect(granted)
    }
}
