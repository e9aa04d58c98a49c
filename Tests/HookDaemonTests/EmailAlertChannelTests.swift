import Foundation
@testable import HookDaemon
import HookCore
import HookTestSupport
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
        try await SMTPSink.with { sink in
            let channel = EmailAlertChannel(settings: Self.settings(url: sink.url))
            #expect(channel.name == "email")
            try await channel.deliver(Self.event())
            let raw = try #require(sink.waitForMessages(1).first?.raw)
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
        try await SMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, requireTLS: true)))
            #expect(failure?.message.contains("STARTTLS required") == true)
            #expect(failure?.permanent == false)
            #expect(failure?.message.contains(Self.password) == false)
            #expect(sink.waitForMessages(1, seconds: 0.3).isEmpty)
        }
    }

    @Test func anUnreachableServerIsRetryable() async throws {
        let port = try LoopbackPort.unused()
        let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: "smtp://127.0.0.1:\(port)")))
        #expect(failure?.permanent == false)
        #expect(failure?.message.contains("curl 7") == true)
        #expect(failure?.message.contains(Self.password) == false)
    }

    @Test func anUnknownRecipientIsPermanent() async throws {
        try await SMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, to: ["unknown@hookd.test"])))
            #expect(failure?.permanent == true)
            #expect(failure?.message.contains("550") == true)
            #expect(failure?.message.contains(Self.password) == false)
        }
    }

    @Test func aBusyMailboxIsRetryable() async throws {
        try await SMTPSink.with { sink in
            let failure = await Self.failure(of: EmailAlertChannel(settings: Self.settings(url: sink.url, to: ["busy@hookd.test"])))
            #expect(failure?.permanent == false)
            #expect(failure?.message.contains("451") == true)
        }
    }

    @Test func aRejectedLoginIsPermanentAndHidesThePassword() async throws {
        try await SMTPSink.with(auth: "ops:another-password") { sink in
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

