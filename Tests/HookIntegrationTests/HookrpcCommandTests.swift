import Foundation
import HookTestSupport
import HookJSON
import Testing

/// The hookrpc command line: output for people and for scripts, and exit statuses that mean something.
struct HookrpcCommandTests {
    private func hookrpc(_ arguments: [String], in directory: String) throws -> (status: Int32?, output: String) {
        let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: arguments,
                                     outputPath: "\(directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
        return (child.waitForExit(seconds: 15), child.output)
    }

    @Test func callPrintsTheResultAndJsonPrintsItCompact() throws {
        let daemon = try DaemonProcess()
        let human = try hookrpc(["call", "system.echo", #"{"value":{"a":[1,2]}}"#, "--socket", daemon.socketPath], in: daemon.directory)
        #expect(human.status == 0)
        #expect(human.output.contains("\"a\": [\n"))
        let compact = try hookrpc(["call", "system.echo", #"{"value":{"a":[1,2]}}"#, "--json", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(compact.output == #"{"value":{"a":[1,2]}}"# + "\n")
    }

    @Test func anErrorReplyExitsOneWithTheMessageOnStderr() throws {
        let daemon = try DaemonProcess()
        let result = try hookrpc(["call", "no.such.method", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(result.status == 1)
        #expect(result.output.contains("hookd error -32601 (method_not_found): method not found: no.such.method"))
    }

    @Test func anUnreachableDaemonExitsThreeNamingThePath() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let result = try hookrpc(["health", "--socket", "\(directory)/absent.sock"], in: directory)
        #expect(result.status == 3)
        #expect(result.output.contains("\(directory)/absent.sock"))
    }

    @Test func paramsThatAreNotAnObjectAreRefusedBeforeSending() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let result = try hookrpc(["call", "system.echo", "[1]", "--socket", "\(directory)/absent.sock"], in: directory)
        #expect(result.status == 64)
        #expect(result.output.contains("params must be a JSON object"))
    }

    @Test func methodsListsEveryMethodWithItsSummary() throws {
        let daemon = try DaemonProcess()
        let result = try hookrpc(["methods", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(result.status == 0)
        for name in ["rpc.discover", "system.echo", "system.health", "system.reload", "system.version"] {
            #expect(result.output.contains(name))
        }
    }

    @Test func healthShowsStatusVersionAndConnections() throws {
        let daemon = try DaemonProcess()
        let result = try hookrpc(["health", "--socket", daemon.socketPath], in: daemon.directory)
        #expect(result.status == 0)
        #expect(result.output.contains("status: ok"))
        #expect(result.output.contains("version: 0.1.0"))
        #expect(result.output.contains("connections: "))
    }
}
