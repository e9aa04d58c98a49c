import Foundation
import HookHTTP
import HookTestSupport
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
        try SMTPSink.with { server in
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
        try SMTPSink.with { server in
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
        try SMTPSink.with { server in
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
        try SMTPSink.with { server in
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
        try SMTPSink.with { server in
            try SMTPMailer().send(Self.message(), url: server.url, requireTLS: false, timeoutSeconds: 10)
            #expect(server.waitForMessages(1).count == 1)
        }
    }

    @Test func anUnreachablePortIsARetryableConnectFailure() throws {
        let port = UInt16(try LoopbackPort.unused())
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
        try SMTPSink.with { server in
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
        try SMTPSink.with { server in
            let message = SMTPMessage(from: "alerts@hookd.test", to: ["busy@hookd.test"], subject: "s", body: "b")
            let error = try #require(throws: SMTPError.self) {
                try SMTPMailer().send(message, url: server.url, requireTLS: false, timeoutSeconds: 10)
            }
            #expect(error.replyCode == 451)
            #expect(!error.isPermanent)
        }
    }

    @Test func theRightCredentialsAuthenticate() throws {
        try SMTPSink.with(auth: "ops:\(Self.password)") { server in
            try SMTPMailer().send(Self.message(), url: server.url, username: "ops", password: Self.password, requireTLS: false, timeoutSeconds: 10)
            #expect(server.waitForMessages(1).count == 1)
        }
    }

    @Test func aRejectedLoginIsPermanentAndNeverShowsEitherPassword() throws {
        try SMTPSink.with(auth: "ops:\(Self.password)") { server in
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

