import Foundation

/// A process a test started; stopped by pid when the test ends, also when it fails.
///
/// Every wait is bounded: a hung child fails the test instead of hanging the suite.
final class ChildProcess: @unchecked Sendable {
    // Only touched from the test that owns it.
    let process = Process()
    let outputPath: String
    private var stopped = false

    /// Starts `executable` with `arguments`, its stdout and stderr going to `outputPath`.
    init(executable: String, arguments: [String], environment: [String: String]? = nil, outputPath: String) throws {
        ChildRegistry.installExitHandler
        self.outputPath = outputPath
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputPath])
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        ChildRegistry.add(process.processIdentifier)
    }

    var processID: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What the process printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(processID, number) }

    /// Waits for the process to exit; nil when it is still running after `seconds`.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after `grace` seconds. Returns the exit status (nil if it had to be killed).
    @discardableResult
    func stop(grace: Double = 10) -> Int32? {
        guard !stopped else { return process.isRunning ? nil : process.terminationStatus }
        stopped = true
        defer { if !process.isRunning { ChildRegistry.remove(processID) } }
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        if let status = waitForExit(seconds: grace) { return status }
        signal(SIGKILL)
        _ = waitForExit(seconds: 5)
        return nil
    }

    deinit { stop(grace: 2) }
}

/// Every child's pid, killed when the test process exits, in case a test never reached its stop.
enum ChildRegistry {
    private static let pids = NSLock()
    nonisolated(unsafe) private static var running: Set<Int32> = []

    static let installExitHandler: Void = {
        atexit { ChildRegistry.killAll() }
    }()

    static func add(_ pid: Int32) {
        pids.lock()
        running.insert(pid)
        pids.unlock()
    }

    static func remove(_ pid: Int32) {
        pids.lock()
        running.remove(pid)
        pids.unlock()
    }

    static func killAll() {
        pids.lock()
        for pid in running { kill(pid, SIGKILL) }
        running.removeAll()
        pids.unlock()
    }
}
