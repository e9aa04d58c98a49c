import Foundation

/// A real SMTP server for tests: Tests/Fixtures/smtp_sink.py (aiosmtpd, under Debian's
/// /usr/bin/python3, which has python3-aiosmtpd) on a free loopback port. It stores each message
/// as N.eml with its envelope in N.json, refuses `unknown@` (550) and `busy@` (451), and with
/// `auth` requires that login.
public final class SMTPSink: @unchecked Sendable {
    // Immutable once started; stopped by the test that owns it.

    /// One accepted message: the envelope and the bytes as the server received them.
    public struct Received: Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var raw: String

        /// The header block's lines, continuation lines included.
        public var headerLines: [String] {
            raw.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\r\n") ?? []
        }

        /// The first header called `name` (case-insensitive), continuation lines unfolded with a space.
        public func header(_ name: String) -> String? {
            var unfolded: [String] = []
            for line in headerLines {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !unfolded.isEmpty { unfolded[unfolded.count - 1] += line } else { unfolded.append(line) }
            }
            let prefix = name.lowercased() + ":"
            return unfolded.first { $0.lowercased().hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }

        /// Everything after the blank line.
        public var body: String {
            guard let range = raw.range(of: "\r\n\r\n") else { return "" }
            return String(raw[range.upperBound...])
        }
    }

    private let fixture: PortFileFixture
    private let mailDirectory: String

    public var port: Int { fixture.port }
    public var url: String { "smtp://127.0.0.1:\(port)" }

    public init(auth: String? = nil) throws {
        let mail = NSTemporaryDirectory() + "hookd-smtp-mail-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: mail, withIntermediateDirectories: true)
        mailDirectory = mail
        fixture = try PortFileFixture(name: "smtp-sink", executable: "/usr/bin/python3",
                                      arguments: [PortFileFixture.fixtures + "/smtp_sink.py", "--dir", mail] + (auth.map { ["--auth", $0] } ?? []))
    }

    /// Runs `body` against a fresh sink, which is stopped however `body` ends.
    public static func with(auth: String? = nil, _ body: (SMTPSink) throws -> Void) throws {
        let sink = try SMTPSink(auth: auth)
        defer { sink.stop() }
        try body(sink)
    }

    /// As `with`, for async tests.
    public static func with(auth: String? = nil, _ body: (SMTPSink) async throws -> Void) async throws {
        let sink = try SMTPSink(auth: auth)
        do {
            try await body(sink)
        } catch {
            sink.stop()
            throw error
        }
        sink.stop()
    }

    /// The messages received so far, once there are `count` of them or `seconds` have passed.
    public func waitForMessages(_ count: Int, seconds: Double = 5) -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        var messages = received()
        while messages.count < count, Date() < deadline {
            usleep(20_000)
            messages = received()
        }
        return messages
    }

    /// SIGTERM, then SIGKILL after 3 s; then the files go.
    public func stop() {
        fixture.stop(grace: 3)
        try? FileManager.default.removeItem(atPath: mailDirectory)
    }

    private func received() -> [Received] {
        var messages: [Received] = []
        var number = 1
        while let raw = try? String(contentsOfFile: "\(mailDirectory)/\(number).eml", encoding: .utf8) {
            let meta = (try? Data(contentsOf: URL(fileURLWithPath: "\(mailDirectory)/\(number).json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            messages.append(Received(mailFrom: meta["mail_from"] as? String ?? "", rcptTos: meta["rcpt_tos"] as? [String] ?? [], raw: raw))
            number += 1
        }
        return messages
    }
}
