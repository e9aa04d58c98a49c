import Foundation

/// A mosquitto broker on a private loopback port, started and stopped by pid.
///
/// With `persistent`, the broker saves sessions and queued messages to its own directory when
/// it stops and loads them when it starts again, as a production broker would.
public final class TestBroker: @unchecked Sendable {
    // Only touched from the test that owns it, which starts and stops it sequentially.
    public let port: Int
    public let directory: String
    /// With `tls`: a second listener speaking TLS with a self-signed certificate for 127.0.0.1.
    public let tlsPort: Int?
    /// That certificate, which a client trusts as its CA.
    public var certificateFile: String { "\(directory)/cert.pem" }
    private var process: ChildProcess?

    private init(port: Int, directory: String, tlsPort: Int?) {
        self.port = port
        self.directory = directory
        self.tlsPort = tlsPort
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    public static func start(persistent: Bool = false, tls: Bool = false) async throws -> TestBroker {
        try startBlocking(persistent: persistent, tls: tls)
    }

    /// `start` for synchronous tests: blocks the calling thread while the broker comes up. (A test
    /// run in parallel with blocking tests may find no free cooperative thread to poll on.)
    public static func startBlocking(persistent: Bool = false, tls: Bool = false) throws -> TestBroker {
        let port = try LoopbackPort.unused()
        let directory = NSTemporaryDirectory() + "hookd-mqtt-\(getpid())-\(port)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = "listener \(port) 127.0.0.1\nallow_anonymous true\n"
        var tlsPort: Int? = nil
        if tls {
            let openssl = try ChildProcess(executable: "/usr/bin/openssl", arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem",
            ], outputPath: "\(directory)/openssl.log")
            guard openssl.waitForExit(seconds: 30) == 0 else { throw TestSupportFailure("openssl could not make a certificate: \(openssl.output)") }
            let port = try LoopbackPort.unused()
            tlsPort = port
            config += "listener \(port) 127.0.0.1\ncertfile \(directory)/cert.pem\nkeyfile \(directory)/key.pem\n"
        }
        // Started as root, mosquitto switches to the `mosquitto` user, which cannot write here.
        if geteuid() == 0 { config += "user root\n" }
        config += persistent ? "persistence true\npersistence_location \(directory)/\n" : "persistence false\n"
        try config.write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        let broker = TestBroker(port: port, directory: directory, tlsPort: tlsPort)
        try broker.restartBlocking()
        return broker
    }

    /// A loopback port nothing listens on right now.
    public static func unusedPort() throws -> Int { try LoopbackPort.unused() }

    /// Starts the broker (again, on the same port) and waits (at most 10 s) until it accepts connections.
    public func restart() async throws {
        try restartBlocking()
    }

    /// `restart` for synchronous tests.
    public func restartBlocking() throws {
        precondition(process == nil, "the broker is running")
        let child = try ChildProcess(executable: "/usr/sbin/mosquitto", arguments: ["-c", "\(directory)/mosquitto.conf"],
                                     outputPath: "\(directory)/mosquitto.log", appendOutput: true)
        process = child
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && child.isRunning {
            if LoopbackPort.accepts(port) && (tlsPort.map(LoopbackPort.accepts) ?? true) { return }
            usleep(20_000)
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
