import Foundation
import HookTestSupport
import HookClient
import HookJSON
import Testing

/// `hookrpc migrate …` against a real hookd without Infisical configured: the refusals, usage
/// errors and exit statuses a CLI user meets before any migration can happen.
struct MigrateCommandTests {
    /// Runs hookrpc with stdin /dev/null (no terminal), stdout and stderr into one file.
    private func hookrpc(_ arguments: [String], socket: String, directory: String, seconds: Double = 15) throws -> (status: Int32?, output: String) {
        let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: arguments + ["--socket", socket],
                                     outputPath: "\(directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
        defer { child.stop() }
        return (child.waitForExit(seconds: seconds), child.output)
    }

    private func hookrpc(_ arguments: [String], _ daemon: DaemonProcess) throws -> (status: Int32?, output: String) {
        try hookrpc(arguments, socket: daemon.socketPath, directory: daemon.directory)
    }

    /// A hookd with a database-sourced webhook and no `infisical:` section.
    private func daemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess()
        _ = try daemon.client().upsertWebhook(["code": "LEGACY", "url": "https://legacy.test/hook", "auth_type": "bearer", "type": "SERVICE",
                                               "credential": ["source": "database", "value": "tok_legacy_migrate_cli"]])
        return daemon
    }

    @Test(arguments: [["plan"], ["plan", "LEGACY", "--direction", "OUT", "--from", "database", "--naming", "HOOKS_<CODE>"],
                      ["run", "--yes"], ["run", "--dry-run"], ["run", "LEGACY", "--yes", "--overwrite", "--concurrency", "8"],
                      ["verify"], ["verify", "LEGACY"], ["rollback", "--delete-secret"], ["status"], ["status", "LEGACY", "--json"]])
    func everySubcommandWithoutInfisicalExitsOneNamingTheSetting(_ arguments: [String]) throws {
        let daemon = try daemon()
        let result = try hookrpc(["migrate"] + arguments, daemon)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("-32010 (invalid_config)"), "\(result.output)")
        #expect(result.output.contains("infisical.client_id"), "\(result.output)")
        #expect(!result.output.contains("tok_legacy_migrate_cli"))
    }

    @Test func runWithoutYesAndNoTerminalRefusesWith64NamingYes() throws {
        let daemon = try daemon()
        let result = try hookrpc(["migrate", "run", "LEGACY"], daemon)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("--yes"), "\(result.output)")
        #expect(!result.output.contains("invalid_config"), "refused before anything was sent: \(result.output)")
    }

    @Test(arguments: [["plan", "--direction", "SIDEWAYS"], ["run", "--yes", "--direction", "out"], ["status", "--from", "infisical"],
                      ["run", "--yes", "--concurrency", "0"], ["run", "--dry-run", "--concurrency", "33"], ["plan", "--overwrite"],
                      ["verify", "--delete-secret"], ["rollback", "--yes"], ["status", "--direction", "OUT"], ["sideways"]])
    func aBadOptionIsAUsageErrorBeforeAnythingIsSent(_ arguments: [String]) throws {
        let daemon = try daemon()
        let result = try hookrpc(["migrate"] + arguments, daemon)
        #expect(result.status == 64, "\(result.output)")
        #expect(!result.output.contains("invalid_config"), "\(result.output)")
    }

    @Test(arguments: [["plan", "lower_case"], ["plan", "--naming", "NO_PLACEHOLDER"], ["run", "--yes", "A-B"], ["verify", "lower"],
                      ["rollback", "bad code"], ["status", "x"]])
    func paramsHookdRefusesExitOneWithInvalidParams(_ arguments: [String]) throws {
        let daemon = try daemon()
        let result = try hookrpc(["migrate"] + arguments, daemon)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("-32602 (invalid_params)"), "\(result.output)")
    }

    @Test(arguments: [["plan"], ["run", "--yes"], ["run", "--dry-run"], ["verify"], ["rollback"], ["status"]])
    func anUnreachableHookdExitsThree(_ arguments: [String]) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let result = try hookrpc(["migrate"] + arguments, socket: "\(directory)/no-hookd.sock", directory: directory)
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("no-hookd.sock"), "\(result.output)")
    }

    /// A long call waits a day by default, but an explicit `--timeout` is kept: against a listener
    /// that never answers, `--timeout 1` ends with exit 3 within seconds.
    @Test(arguments: [["run", "--yes"], ["verify"], ["rollback"], ["plan"]])
    func anExplicitTimeoutIsKept(_ arguments: [String]) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let socket = "\(directory)/silent.sock"
        let listener = try ChildProcess(executable: "/usr/bin/env", arguments: ["socat", "-u", "UNIX-LISTEN:\(socket),fork", "OPEN:/dev/null"],
                                        outputPath: "\(directory)/socat.out")
        defer { listener.stop() }
        #expect(TestEnvironment.wait(seconds: 10) { FileManager.default.fileExists(atPath: socket) || !listener.isRunning })
        let started = Date()
        let result = try hookrpc(["migrate"] + arguments + ["--timeout", "1"], socket: socket, directory: directory, seconds: 20)
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("did not answer within 1.0 s"), "\(result.output)")
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
