import Foundation

/// Starts helper programs for tests and always stops them by pid, with every wait bounded.
enum ChildProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable` to completion; throws if it fails or outlives `timeoutSeconds` (then it is killed).
    static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Double = 30) throws {
        let process = try start(executable, arguments)
        guard waitForExit(process, seconds: timeoutSeconds) else {
            stop(process)
            throw Failure(description: "\(executable) did not finish within \(timeoutSeconds) s")
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable) exited with \(process.terminationStatus)")
        }
    }

    /// Starts `executable` with stdin, stdout and stderr on /dev/null.
    static func start(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGTERM, up to 3 s grace, then SIGKILL and up to 3 s more. Safe to call on exited processes.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(process, seconds: 3) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(process, seconds: 3)
    }

    /// Polls until the process has exited or `seconds` pass; true if it exited.
    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }
}
