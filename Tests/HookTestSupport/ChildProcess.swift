import Foundation

/// A process a test started; stopped by pid when the test ends, also when it fails.
///
/// Shared by every test target (HookTestSupport), so there is one way to start a test server.
///
/// Started with posix_spawn, with an empty signal mask and default signal dispositions: the test
/// runner's threads block some signals, and a child inheriting that would ignore SIGTERM. Every
/// wait is bounded: a hung child fails the test instead of hanging the suite.
public final class ChildProcess: @unchecked Sendable {
    // Only touched from the test that owns it.
    public let processID: pid_t
    public let outputPath: String
    private var exitStatus: Int32?
    private var stopped = false

    /// Starts `executable` with `arguments`, its stdout and stderr going to `outputPath`.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, outputPath: String, appendOutput: Bool = false) throws {
        ChildRegistry.installExitHandler
        self.outputPath = outputPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | (appendOutput ? O_APPEND : O_TRUNC), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestSupportFailure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        processID = pid
        ChildRegistry.add(pid)
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// What the process printed so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) {
        if isRunning { kill(processID, number) }
    }

    /// Waits for the process to exit; nil when it is still running after `seconds`.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = reap(blocking: false) { return status }
            usleep(10_000)
        }
        return reap(blocking: false)
    }

    /// SIGTERM, then SIGKILL after `grace` seconds. Returns the exit status (nil if it had to be killed).
    @discardableResult
    public func stop(grace: Double = 10) -> Int32? {
        guard !stopped else { return exitStatus }
        stopped = true
        defer { ChildRegistry.remove(processID) }
        if let status = reap(blocking: false) { return status }
        kill(processID, SIGTERM)
        if let status = waitForExit(seconds: grace) { return status }
        kill(processID, SIGKILL)
        _ = waitForExit(seconds: 5)
        return nil
    }

    deinit { stop(grace: 2) }

    /// The exit status once the process has ended (128 + signal when killed), nil while it runs.
    private func reap(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(processID, &status, blocking ? 0 : WNOHANG)
        guard result == processID else { return nil }
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
    }
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

/// A test server or fixture that could not be started or used.
public struct TestSupportFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
