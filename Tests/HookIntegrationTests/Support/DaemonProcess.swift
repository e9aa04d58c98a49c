import Foundation
import HookTestSupport
import HookClient

/// A hookd started for one test on a private socket and state directory, stopped by pid.
final class DaemonProcess: @unchecked Sendable {
    let directory: String
    let socketPath: String
    let child: ChildProcess

    /// Starts hookd and waits (up to 10 s) until its socket accepts connections.
    /// - Parameters:
    ///   - configuration: YAML written to a file and passed with `--config`, when given.
    ///   - extraArguments: more flags for hookd.
    ///   - launcher: a command hookd is started through (e.g. `setpriv … --`), hookd's path and flags appended.
    init(configuration: String? = nil, extraArguments: [String] = [], launcher: [String] = [], environment: [String: String]? = nil,
         directory: String? = nil, socketName: String = "hookd.sock", waitUntilReady: Bool = true) throws {
        let directory = try directory ?? TestEnvironment.makeTemporaryDirectory()
        self.directory = directory
        socketPath = "\(directory)/\(socketName)"
        var arguments = ["--socket", socketPath, "--state-dir", "\(directory)/state"]
        if let configuration {
            let path = "\(directory)/hookd.yaml"
            try configuration.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        }
        let command = launcher + [TestEnvironment.hookdPath] + arguments + extraArguments
        child = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()),
                                 environment: environment, outputPath: "\(directory)/hookd-\(UUID().uuidString.prefix(4)).log")
        if waitUntilReady {
            let ready = TestEnvironment.wait(seconds: 10) { [socketPath, child] in
                guard child.isRunning else { return true }
                return (try? HookClient(socketPath: socketPath, timeoutSeconds: 1).health()) != nil
            }
            guard ready, child.isRunning else {
                child.stop()
                throw DaemonFailure(message: "hookd did not become ready: \(child.output)")
            }
        }
    }

    func client(timeoutSeconds: Double = 10) -> HookClient { HookClient(socketPath: socketPath, timeoutSeconds: timeoutSeconds) }

    deinit { child.stop() }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
