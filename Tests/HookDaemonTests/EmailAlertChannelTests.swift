import Foundation
@testable import HookDaemon
import HookCore
import Testing

/// The email channel against a real SMTP server (aiosmtpd, Tests/Fixtures/smtp_sink.py): what
/// arrives, how failures become `ChannelFailure`s, and that the password never shows.
@Suite struct EmailAlertChannelTests {
    static let password = "smtp-pa55word-never-logged"

    static func settings(url: String, to: [String] = ["ops@hookd.test"], requireTLS: Bool = false) -> SMTPSettings {
        var settings = SMTPSettings()
        settings.url = url
        settings.from = "hookd <alerts@hookd.test>"
        settings.to = to
        settings.username = "ops"
        settings.password = password
        settings.requireTLS = requireTLS
        settings.timeoutSeconds = 10
        return settings
    }

    /// An auth-failures alert on STRIPE as the engine makes it, with fixed numbers and times.
    static func event(_ kind: AlertEvent.Kind = .firing) -> AlertEvent {
        let engine = AlertEngine(settings: AlertingSettings(), host: "hookd-test-host", now: { 1_764_390_120 })
        var event = engine.testEvent(webhookCode: "STRIPE", severity: .critical)
        event.kind = kind
        event.type = .authFailures
        event.value = 12
        event.threshold = 5
        event.message = "Authentication failures: 12 calls got 401/403 (threshold 5)"
        event.firstFiredAt = 1_764_390_000
        var metrics = WindowMetrics.empty(webhookCode: "STRIPE", windowMinutes: 5)
        metrics.totalCalls = 40
        metrics.successfulCalls = 28
        metrics.failedCalls = 12
        metrics.failureRate = 30
        metrics.authFailures = 12
        metrics.p95Latency = 0.8412
        metrics.activeAlerts = [.authFailures]
        event.metrics = metrics
        return event
    }

    @Test func anAlertArrivesAsAnEmailWithSubjectAndDetails() async throws {
        try await EmailSMTPSink.with { sink in
            let channel = EmailAlertChannel(settings: Self.settings(url: sink.url))
            #expect(channel.name == "email")
            try await channel.deliver(Self.event())
            let raw = try #require(await sink.waitForMessages(1).first)
            #expect(raw.contains("\r\nSubject: [hookd] CRITICAL firing: auth_failures on STRIPE\r\n"))
            #expect(raw.contains("\r\nFrom: hookd <alerts@hookd.test>\r\n"))
            #expect(raw.contains("\r\nTo: ops@hookd.test\r\n"))
            let headerEnd = try #require(raw.range(of: "\r\n\r\n"))
            let body = raw[headerEnd.upperBound...]
            #expect(body.hasPrefix("Authentication failures: 12 calls got 401/403 (threshold 5)\r\n"))
            #expect(body.contains("Value:       12 (threshold 5)\r\n"))
            #expect(body.contains("First fired: 2025-11-29T04:20:00Z\r\n"))
            #expect(body.contains("Host:        hookd-test-host\r\n"))
            #expect(body.contains("calls:         40 (28 succeeded, 12 failed)\r\n"))
            #expect(body.contains("p95 0.8412"))
            #expect(body.contains("active alerts: auth_failures\r\n"))
        }
    }

    @Test func subjectsSayWhatHappened() {
        #expect(EmailAlertChannel.subject(for: Self.event(.repeat)) == "[hookd] CRITICAL still firing: auth_failures on STRIPE")
        #expect(EmailAlertChannel.subject(for: Self.event(.resolved)) == "[hookd] CRITICAL resolved: auth_failures on STRIPE")
        var test = Self.event(.test)
        test.severity = .info
        #expect(EmailAlertChannel.subject(for: test) == "[hookd] INFO test alert for STRIPE")
    }

    @Test func requiredTLSWithAPlainServerIsARetryableFailureThatSaysSo() async throws {
        try await EmailSMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, requireTLS: true)))
            #expect(failure?.message.contains("STARTTLS required") == true)
            #expect(failure?.permanent == false)
            #expect(failure?.message.contains(Self.password) == false)
            #expect(await sink.waitForMessages(1, seconds: 0.3).isEmpty)
        }
    }

    @Test func anUnreachableServerIsRetryable() async throws {
        let port = try EmailSMTPSink.unusedPort()
        let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: "smtp://127.0.0.1:\(port)")))
        #expect(failure?.permanent == false)
        #expect(failure?.message.contains("curl 7") == true)
        #expect(failure?.message.contains(Self.password) == false)
    }

    @Test func anUnknownRecipientIsPermanent() async throws {
        try await EmailSMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, to: ["unknown@hookd.test"])))
            #expect(failure?.permanent == true)
            #expect(failure?.message.contains("550") == true)
            #expect(failure?.message.contains(Self.password) == false)
        }
    }

    @Test func aBusyMailboxIsRetryable() async throws {
        try await EmailSMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, to: ["busy@hookd.test"])))
            #expect(failure?.permanent == false)
            #expect(failure?.message.contains("451") == true)
        }
    }

    @Test func aRejectedLoginIsPermanentAndHidesThePassword() async throws {
        try await EmailSMTPSink.with(auth: "ops:another-password") { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url)))
            #expect(failure?.permanent == true)
            #expect(failure?.message.contains("535") == true)
            #expect(failure?.message.contains(Self.password) == false)
        }
    }

    @Test func incompleteSettingsArePermanent() async {
        var settings = Self.settings(url: "smtp://127.0.0.1:1")
        settings.to = []
        let failure = await Self.failure(of: EmailAlertChannel(settings: settings))
        #expect(failure?.permanent == true)
    }

    /// The failure delivering the sample event, or nil when it was delivered.
    static func failure(of channel: EmailAlertChannel) async -> ChannelFailure? {
        do throws(ChannelFailure) {
            try await channel.deliver(event())
            return nil
        } catch {
            return error
        }
    }
}

/// The SMTP stand-in (Tests/Fixtures/smtp_sink.py under Debian's /usr/bin/python3, which has
/// python3-aiosmtpd) on a free loopback port, stopped by pid on every path with bounded waits.
private final class EmailSMTPSink: @unchecked Sendable {
    // `port` is written once before the sink is handed to a test; `process` is touched only by its owner.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/smtp_sink.py").path

    /// Unblocks the signals the runner's thread may have blocked (a child inherits the mask), then runs the script.
    private static let launcher = """
        import runpy, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """

    let directory: String
    private(set) var port = 0
    private let process = Process()

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Runs `body` against a fresh sink, which is stopped however `body` ends.
    static func with(auth: String? = nil, _ body: (EmailSMTPSink) async throws -> Void) async throws {
        let sink = try EmailSMTPSink(auth: auth)
        do {
            try await sink.waitUntilListening()
            try await body(sink)
        } catch {
            sink.stop()
            throw error
        }
        sink.stop()
    }

    private init(auth: String?) throws {
        directory = NSTemporaryDirectory() + "hookd-email-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.launcher, Self.script, "--dir", directory, "--port-file", directory + "/port"]
            + (auth.map { ["--auth", $0] } ?? [])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits (at most 10 s) for the port file the sink writes once it listens.
    private func waitUntilListening() async throws {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8),
               let found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                port = found
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "smtp_sink.py did not start listening (is python3-aiosmtpd installed for /usr/bin/python3?)")
    }

    /// The raw messages received so far, once there are `count` of them or `seconds` have passed.
    func waitForMessages(_ count: Int, seconds: Double = 5) async -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while received().count < count, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return received()
    }

    private func received() -> [String] {
        var messages: [String] = []
        while let raw = try? String(contentsOfFile: "\(directory)/\(messages.count + 1).eml", encoding: .utf8) { messages.append(raw) }
        return messages
    }

    /// SIGTERM, up to 3 s grace, then SIGKILL and up to 3 s more; then the directory goes.
    func stop() {
        func exited(within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            return !process.isRunning
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            if !exited(within: 3) {
                kill(process.processIdentifier, SIGKILL)
                _ = exited(within: 3)
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A loopback port nothing listens on: bound by the kernel's choice, read, closed again.
    static func unusedPort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "bind failed") }
        return UInt16(bigEndian: address.sin_port)
    }
}
