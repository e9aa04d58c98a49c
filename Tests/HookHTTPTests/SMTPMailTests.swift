import Foundation
import HookHTTP
import Testing

/// `SMTPMailer` against a real SMTP server (aiosmtpd, Tests/Fixtures/smtp_sink.py) on a private
/// loopback port, and `SMTPMessageFormat` on its own.
///
/// Serialized: each send blocks the test's thread for the length of one SMTP conversation.
@Suite(.serialized) struct SMTPMailTests {
    static let password = "hunter2-smtp-secret"

    static func message(subject: String = "Disk on fire", body: String = "Line one\nLine two\n") -> SMTPMessage {
        SMTPMessage(from: "hookd <alerts@hookd.test>", to: ["ops@hookd.test", "Second <dev@hookd.test>"], subject: subject, body: body)
    }

    // MARK: Delivery

    @Test func aMessageArrivesWithItsHeadersBodyAndEnvelope() throws {
        try SMTPSinkServer.with { server in
            let body = "Value 12 vs threshold 5\n.a line that starts with a dot\nend"
            try SMTPMailer().send(Self.message(body: body), url: server.url, requireTLS: false, timeoutSeconds: 10, date: 1_700_000_000)
            let mail = try #require(server.waitForMessages(1).first)
            #expect(mail.mailFrom == "alerts@hookd.test")
            #expect(mail.rcptTos == ["ops@hookd.test", "dev@hookd.test"])
            #expect(mail.header("From") == "hookd <alerts@hookd.test>")
            #expect(mail.header("To") == "ops@hookd.test, Second <dev@hookd.test>")
            #expect(mail.header("Subject") == "Disk on fire")
            #expect(mail.header("Date") == "Tue, 14 Nov 2023 22:13:20 +0000")
            #expect(mail.header("MIME-Version") == "1.0")
            #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(mail.header("Message-ID")?.hasSuffix("@hookd.test>") == true)
            #expect(mail.body == "Value 12 vs threshold 5\r\n.a line that starts with a dot\r\nend\r\n")
        }
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func aLineBreakInTheSubjectDoesNotStartANewHeader(lineBreak: String) throws {
        try SMTPSinkServer.with { server in
            let subject = "Alert\(lineBreak)Bcc: attacker@evil.test"
            try SMTPMailer().send(Self.message(subject: subject), url: server.url, requireTLS: false, timeoutSeconds: 10)
            let mail = try #require(server.waitForMessages(1).first)
            #expect(mail.header("Bcc") == nil)
            #expect(!mail.headerLines.contains { $0.lowercased().hasPrefix("bcc:") })
            #expect(mail.header("Subject")?.hasSuffix("Bcc: attacker@evil.test") == true)
            #expect(mail.rcptTos == ["ops@hookd.test", "dev@hookd.test"])
        }
    }

    @Test func aNonASCIISubjectAndBodyArriveEncoded() throws {
        try SMTPSinkServer.with { server in
            let subject = "Zahlungsausfall bei Händler “STRIPE” — 🔥 " + String(repeating: "ü", count: 40)
            try SMTPMailer().send(Self.message(subject: subject, body: "Grüße\n"), url: server.url, requireTLS: false, timeoutSeconds: 10)
            let mail = try #require(server.waitForMessages(1).first)
            let encoded = try #require(mail.header("Subject"))
            #expect(encoded.hasPrefix("=?UTF-8?B?"))
            #expect(SMTPMailTests.decodeEncodedWords(encoded) == subject)
            #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
            #expect(mail.body == "Gr=C3=BC=C3=9Fe\r\n")
        }
    }

    @Test func requiredTLSFailsClearlyAgainstAServerWithoutSTARTTLS() throws {
        try SMTPSinkServer.with { server in
            let error = try #require(throws: SMTPError.self) {
                try SMTPMailer().send(Self.message(), url: server.url, username: "ops", password: Self.password, timeoutSeconds: 10)
            }
            #expect(error.curlCode == 64)
            #expect(error.message.contains("STARTTLS required"))
            #expect(error.description.hasPrefix("smtp: STARTTLS required (require_tls) but not available: STARTTLS not supported"))
            #expect(error.replyCode == nil)
            #expect(!error.isPermanent)
            #expect(!"\(error)".contains(Self.password))
            #expect(server.waitForMessages(1, seconds: 0.3).isEmpty)
        }
    }

    @Test func withoutRequiredTLSThePlainServerGetsTheMessage() throws {
        try SMTPSinkServer.with { server in
            try SMTPMailer().send(Self.message(), url: server.url, requireTLS: false, timeoutSeconds: 10)
            #expect(server.waitForMessages(1).count == 1)
        }
    }

    @Test func anUnreachablePortIsARetryableConnectFailure() throws {
        let port = try SMTPSinkServer.unusedPort()
        let error = try #require(throws: SMTPError.self) {
            try SMTPMailer().send(Self.message(), url: "smtp://127.0.0.1:\(port)", username: "ops", password: Self.password, timeoutSeconds: 5)
        }
        #expect(error.curlCode == 7)
        #expect(error.replyCode == nil)
        #expect(!error.isPermanent)
        #expect(error.server == "smtp://127.0.0.1:\(port)")
        #expect(!"\(error)".contains(Self.password))
    }

    @Test func anUnknownRecipientIsAPermanentRefusal() throws {
        try SMTPSinkServer.with { server in
            let message = SMTPMessage(from: "alerts@hookd.test", to: ["unknown@hookd.test"], subject: "s", body: "b")
            let error = try #require(throws: SMTPError.self) {
                try SMTPMailer().send(message, url: server.url, requireTLS: false, timeoutSeconds: 10)
            }
            #expect(error.replyCode == 550)
            #expect(error.message.contains("550"))
            #expect(error.isPermanent)
        }
    }

    @Test func aTransientRefusalIsRetryable() throws {
        try SMTPSinkServer.with { server in
            let message = SMTPMessage(from: "alerts@hookd.test", to: ["busy@hookd.test"], subject: "s", body: "b")
            let error = try #require(throws: SMTPError.self) {
                try SMTPMailer().send(message, url: server.url, requireTLS: false, timeoutSeconds: 10)
            }
            #expect(error.replyCode == 451)
            #expect(!error.isPermanent)
        }
    }

    @Test func theRightCredentialsAuthenticate() throws {
        try SMTPSinkServer.with(auth: "ops:\(Self.password)") { server in
            try SMTPMailer().send(Self.message(), url: server.url, username: "ops", password: Self.password, requireTLS: false, timeoutSeconds: 10)
            #expect(server.waitForMessages(1).count == 1)
        }
    }

    @Test func aRejectedLoginIsPermanentAndNeverShowsEitherPassword() throws {
        try SMTPSinkServer.with(auth: "ops:\(Self.password)") { server in
            let wrong = "not-the-password-42"
            let error = try #require(throws: SMTPError.self) {
                try SMTPMailer().send(Self.message(), url: server.url, username: "ops", password: wrong, requireTLS: false, timeoutSeconds: 10)
            }
            #expect(error.curlCode == 67)
            #expect(error.replyCode == 535)
            #expect(error.isPermanent)
            #expect(!"\(error)".contains(wrong))
            #expect(!"\(error)".contains(Self.password))
            #expect(server.waitForMessages(1, seconds: 0.3).isEmpty)
        }
    }

    @Test func anAddressThatCouldSmuggleACommandIsRefusedBeforeConnecting() throws {
        let message = SMTPMessage(from: "alerts@hookd.test", to: ["ops@hookd.test>\r\nRCPT TO:<evil@evil.test"], subject: "s", body: "b")
        let error = try #require(throws: SMTPError.self) {
            try SMTPMailer().send(message, url: "smtp://127.0.0.1:1", timeoutSeconds: 1)
        }
        #expect(error.curlCode == -1)
        #expect(error.isPermanent)
    }

    // MARK: Format

    @Test func headerValuesLoseEveryLineBreakIncludingTheCRLFCharacter() {
        #expect("a\r\nb".count == 3)  // Swift's single Character "\r\n": checking Characters would miss it.
        #expect(SMTPMessageFormat.headerValue("a\r\nb") == "a  b")
        #expect(SMTPMessageFormat.headerValue("a\nb\rc\u{0}d\u{2028}e") == "a b c d e")
    }

    @Test func everyLineOfTheRenderedMessageEndsInCRLF() {
        let bytes = SMTPMessageFormat.render(Self.message(body: "one\ntwo\r\nthree\rfour"), date: 0, messageID: "<id@hookd.test>")
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.hasSuffix("\r\n\r\none\r\ntwo\r\nthree\r\nfour\r\n"))
        #expect(text.contains("\r\nMessage-ID: <id@hookd.test>\r\n"))
        #expect(text.contains("\r\nContent-Transfer-Encoding: 7bit\r\n"))
    }

    @Test func quotedPrintableLinesStayWithin76Characters() {
        let (bytes, encoding) = SMTPMessageFormat.encodedBody(String(repeating: "é", count: 100) + " \n= ")
        #expect(encoding == "quoted-printable")
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().last == "=3D=20")
    }

    @Test func envelopeAddressesComeFromAngleBracketsOrTheWholeValue() {
        #expect(SMTPMessageFormat.envelopeAddress("hookd <alerts@hookd.test>") == "alerts@hookd.test")
        #expect(SMTPMessageFormat.envelopeAddress("  ops@hookd.test ") == "ops@hookd.test")
        #expect(SMTPMessageFormat.envelopeAddress("") == nil)
        #expect(SMTPMessageFormat.envelopeAddress("a b@hookd.test") == nil)
    }

    /// The text of `=?UTF-8?B?…?=` words separated by folding whitespace.
    static func decodeEncodedWords(_ value: String) -> String? {
        var bytes: [UInt8] = []
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r\n" }) {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                  let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { return nil }
            bytes += data
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}

/// The SMTP stand-in (Tests/Fixtures/smtp_sink.py under Debian's /usr/bin/python3, which has
/// python3-aiosmtpd) on a free loopback port, stopped by pid on every path with bounded waits.
final class SMTPSinkServer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One accepted message: the envelope and the bytes as the server received them.
    struct Received {
        var mailFrom: String
        var rcptTos: [String]
        var raw: String

        /// The header block's lines, continuation lines included.
        var headerLines: [String] {
            raw.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\r\n") ?? []
        }
        /// The first header called `name` (case-insensitive), continuation lines unfolded with a space.
        func header(_ name: String) -> String? {
            var unfolded: [String] = []
            for line in headerLines {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !unfolded.isEmpty { unfolded[unfolded.count - 1] += line } else { unfolded.append(line) }
            }
            let prefix = name.lowercased() + ":"
            return unfolded.first { $0.lowercased().hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        /// Everything after the blank line.
        var body: String {
            guard let range = raw.range(of: "\r\n\r\n") else { return "" }
            return String(raw[range.upperBound...])
        }
    }

    static let python = "/usr/bin/python3"
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/smtp_sink.py").path

    /// Python, told to unblock the signals the test runner's thread may have blocked (a child
    /// inherits the mask; a blocked SIGTERM would leave only SIGKILL), then running the script.
    private static let launcher = """
        import runpy, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """

    let directory: String
    private(set) var port = 0
    private let process: Process

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Runs `body` against a fresh server, which is stopped however `body` ends.
    static func with(auth: String? = nil, _ body: (SMTPSinkServer) throws -> Void) throws {
        let server = try SMTPSinkServer(auth: auth)
        defer { server.stop() }
        try server.waitUntilListening()
        try body(server)
    }

    private init(auth: String?) throws {
        directory = NSTemporaryDirectory() + "hookd-smtp-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-c", Self.launcher, Self.script, "--dir", directory, "--port-file", directory + "/port"]
            + (auth.map { ["--auth", $0] } ?? [])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits (at most 10 s) for the port file the server writes once it listens.
    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8),
               let found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                port = found
                return
            }
            usleep(20_000)
        }
        throw Failure(description: "smtp_sink.py did not start listening (is python3-aiosmtpd installed for \(Self.python)?)")
    }

    /// The messages received so far, once there are `count` of them or `seconds` have passed.
    func waitForMessages(_ count: Int, seconds: Double = 5) -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        var messages = received()
        while messages.count < count, Date() < deadline {
            usleep(20_000)
            messages = received()
        }
        return messages
    }

    private func received() -> [Received] {
        var messages: [Received] = []
        var number = 1
        while let raw = try? String(contentsOfFile: "\(directory)/\(number).eml", encoding: .utf8) {
            let meta = (try? Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(number).json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            messages.append(Received(mailFrom: meta["mail_from"] as? String ?? "", rcptTos: meta["rcpt_tos"] as? [String] ?? [], raw: raw))
            number += 1
        }
        return messages
    }

    /// SIGTERM, up to 3 s grace, then SIGKILL and up to 3 s more; then the directory goes.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            if !waitForExit(seconds: 3) {
                kill(process.processIdentifier, SIGKILL)
                _ = waitForExit(seconds: 3)
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// A loopback port nothing listens on (bound, read and closed again).
    static func unusedPort() throws -> UInt16 {
        let listener = try SocketHelpers.loopbackListener()
        defer { close(listener) }
        return try SocketHelpers.localPort(of: listener)
    }
}
