@testable import HookDaemon
import Foundation
import HookCore
import HookJSON
import HookMQTT
import Synchronization
import Testing

/// The `mqtt` alert channel against a real mosquitto broker the test starts and stops by pid.
struct MQTTAlertChannelTests {
    private func event(code: String = "STRIPE_PAYMENT") -> AlertEvent {
        AlertEngine(settings: AlertingSettings(), host: "test-host", now: { 1_700_000_000 })
            .testEvent(webhookCode: code, severity: .critical)
    }

    @Test func anAlertArrivesAsCompactJSONOnItsWebhooksTopic() async throws {
        let broker = try await AlertTestBroker.start()
        defer { broker.stop() }
        let prefix = "hookd-test-\(UUID().uuidString.prefix(8))/"
        let received = Mutex<[MQTTMessage]>([])
        let subscriber = try MQTTClient(clientID: "hookd-test-alert-sub-\(broker.port)")
        subscriber.onMessage { message in received.withLock { $0.append(message) } }
        try subscriber.connect(host: "127.0.0.1", port: broker.port)
        try subscriber.subscribe("\(prefix)webhook/alerts/#", qos: 1)
        // SUBACK is not reported: a probe on a sibling topic proves the subscription.
        let probeTopic = "\(prefix)webhook/alerts/PROBE"
        #expect(await poll { received.withLock { $0.contains { $0.topic == probeTopic } } } probe: {
            try? subscriber.publish(probeTopic, payload: [1], qos: 1)
        })

        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-alert-pub-\(broker.port)")
        defer { publisher.shutdown(flushTimeout: .zero) }
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: prefix)
        #expect(channel.name == "mqtt")
        let alert = event()
        try await channel.deliver(alert)

        let topic = "\(prefix)webhook/alerts/STRIPE_PAYMENT"
        #expect(await poll { received.withLock { $0.contains { $0.topic == topic } } })
        let message = try #require(received.withLock { $0.first { $0.topic == topic } })
        #expect(message.payload == alert.json.encoded())
        #expect(!message.payload.contains(UInt8(ascii: "\n")))
        let decoded = try JSONValue.parse(String(decoding: message.payload, as: UTF8.self))
        #expect(decoded["event"]?.stringValue == "webhook_alert")
        #expect(decoded["webhook_code"]?.stringValue == "STRIPE_PAYMENT")
    }

    @Test func anAbsentBrokerDoesNotFailTheChannel() async throws {
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: try AlertTestBroker.unusedPort(), clientID: "hookd-test-alert-absent")
        defer { publisher.shutdown(flushTimeout: .zero) }
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: "")
        try await channel.deliver(event())
        #expect(publisher.queuedCount == 1)
        #expect(channel.topic(for: "STRIPE") == "webhook/alerts/STRIPE")
    }

    @Test func aShutDownPublisherIsAPermanentFailure() async throws {
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: try AlertTestBroker.unusedPort(), clientID: "hookd-test-alert-closed")
        publisher.shutdown(flushTimeout: .zero)
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: "hookd/")
        await #expect {
            try await channel.deliver(event())
        } throws: { error in
            (error as? ChannelFailure)?.permanent == true
        }
    }

    /// Polls `condition` every 50 ms for up to 10 s, running `probe` before each look.
    private func poll(_ condition: () -> Bool, probe: () -> Void = {}) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            probe()
            try? await Task.sleep(for: .milliseconds(50))
            if condition() { return true }
        }
        return condition()
    }
}

/// A mosquitto broker on a private loopback port, started with posix_spawn and stopped by pid.
private final class AlertTestBroker: @unchecked Sendable {
    // Only touched from the test that owns it.
    let port: Int
    let directory: String
    private var processID: pid_t?

    private init(port: Int, directory: String, processID: pid_t) {
        self.port = port
        self.directory = directory
        self.processID = processID
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func start() async throws -> AlertTestBroker {
        let port = try unusedPort()
        let directory = NSTemporaryDirectory() + "hookd-mqtt-alert-\(getpid())-\(port)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n"
            .write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        let broker = AlertTestBroker(port: port, directory: directory,
                                     processID: try spawn(["/usr/sbin/mosquitto", "-c", "\(directory)/mosquitto.conf"],
                                                          output: "\(directory)/mosquitto.log"))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if accepts(port: port) { return broker }
            try await Task.sleep(for: .milliseconds(20))
        }
        broker.stop()
        throw ChannelFailure(message: "mosquitto did not start on port \(port)")
    }

    /// SIGTERM, SIGKILL after 5 s; returns once the process is reaped.
    func stop() {
        guard let pid = processID else { return }
        processID = nil
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if waitpid(pid, nil, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
    }

    static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw ChannelFailure(message: "no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// posix_spawn with an empty signal mask and default dispositions, so SIGTERM is honoured.
    private static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw ChannelFailure(message: "cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        return pid
    }
}
