import Foundation

/// A mosquitto broker on a private loopback port, started and stopped by pid.
///
/// With `persistent`, the broker saves sessions and queued messages to its own directory when
/// it stops and loads them when it starts again, as a production broker would.
public final class TestBroker: @unchecked Sendable {
    // Only touched from the test that owns it, which starts and stops it sequentially.
    public let port: Int
    public let directory: String
    private var process: ChildProcess?

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    public static func start(persistent: Bool = false) async throws -> TestBroker {
        let port = try LoopbackPort.unused()
        let directory = NSTemporaryDirectory() + "hookd-mqtt-\(getpid())-\(port)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = "listener \(port) 127.0.0.1\nallow_anonymous true\n"
        // Started as root, mosquitto switches to the `mosquitto` user, which cannot write here.
        if geteuid() == 0 { config += "user root\n" }
        config += persistent ? "persistence true\npersistence_location \(directory)/\n" : "persistence false\n"
        try config.write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        let broker = TestBroker(port: port, directory: directory)
        try await broker.restart()
        return broker
    }

    /// A loopback port nothing listens on right now.
    public static func unusedPort() throws -> Int { try LoopbackPort.unused() }

    /// Starts the broker (again, on the same port) and waits (at most 10 s) until it accepts connections.
    public func restart() async throws {
        precondition(process == nil, "the broker is running")
        let child = try ChildProcess(executable: "/usr/sbin/mosquitto", arguments: ["-c", "\(directory)/mosquitto.conf"],
                                     outputPath: "\(directory)/mosquitto.log", appendOutput: true)
        process = child
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && child.isRunning {
            if LoopbackPort.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        throw TestSupportFailure("mosquitto did not start on port \(port): \(child.output)")
    }

    /// SIGTERM (the broker saves its state), SIGKILL after 5 s; returns once the process is reaped.
    public func stop() {
        process?.stop(grace: 5)
        process = nil
    }
}
