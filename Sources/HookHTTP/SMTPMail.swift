import CCurl
import Foundation
import HookNumbers

/// One plain-text email: who sends it, who receives it, and what it says.
///
/// Only the parts a caller decides. `SMTPMailer` adds Date, Message-ID and the MIME headers, removes
/// CR and LF from everything that goes into a header, and encodes what SMTP cannot carry as is.
public struct SMTPMessage: Sendable, Equatable {
    /// The sender, `alerts@example.com` or `hookd <alerts@example.com>`; its address is also the
    /// envelope sender (`MAIL FROM`).
    public var from: String
    /// Recipients in the same forms as `from`; each address is one `RCPT TO`.
    public var to: [String]
    /// Any text; non-ASCII is sent RFC 2047-encoded.
    public var subject: String
    /// Any text; line endings become CRLF, non-ASCII is sent quoted-printable.
    public var body: String

    public init(from: String, to: [String], subject: String, body: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// An email that was not sent: curl's code and text, and the SMTP server's reply when it gave one.
///
/// Safe to log: never contains the password or the URL's userinfo.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// curl's `CURLcode` (7 = could not connect, 28 = timed out, 55 = a command was refused,
    /// 64 = STARTTLS required but not available, 67 = login denied); -1 when the message itself
    /// was unusable and nothing was sent.
    public var curlCode: Int
    /// curl's detailed text when it has one (`RCPT failed: 550`), otherwise `curl_easy_strerror`.
    public var message: String
    /// The server's refusal (a 4xx or 5xx reply code such as `550`) that ended the conversation; nil
    /// when the failure was not a refusal (no connection, TLS, timeout, STARTTLS not offered).
    public var replyCode: Int?
    /// `scheme://host:port` of the server, userinfo removed; nil when the error is not about a transfer.
    public var server: String?
    /// Sending the same message again cannot succeed: the server refused it with a 5xx reply
    /// (unknown recipient, authentication failed) or an address in it is malformed.
    public var isPermanent: Bool

    public init(curlCode: Int, message: String, replyCode: Int? = nil, server: String? = nil, isPermanent: Bool = false) {
        self.curlCode = curlCode
        self.message = message
        self.replyCode = replyCode
        self.server = server
        self.isPermanent = isPermanent
    }

    public var description: String {
        let reply = replyCode.map { ", SMTP \($0)" } ?? ""
        guard let server else { return "smtp: \(message) (curl \(curlCode)\(reply))" }
        return "smtp: \(message) (curl \(curlCode)\(reply)) [\(server)]"
    }
}

/// Sends email over SMTP with libcurl, blocking, on a curl easy handle it owns and cleans up once.
///
/// Blocking and not thread-safe: call `send` from one thread at a time, a thread of its own, never
/// an event loop or Swift's cooperative pool (the daemon uses a dedicated `DispatchQueue`).
public final class SMTPMailer {
    private let handle: UnsafeMutableRawPointer
    /// curl's CURLOPT_ERRORBUFFER: the detailed reason of a failure (`RCPT failed: 550`).
    private let errorBuffer: UnsafeMutablePointer<CChar>

    public init() throws(SMTPError) {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else { throw SMTPError(curlCode: -1, message: "curl_easy_init failed") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `message` through the server at `url` and returns once the server accepted it.
    ///
    /// - Parameters:
    ///   - url: `smtps://host:465` (TLS from the start) or `smtp://host:587` (STARTTLS); other schemes are refused.
    ///   - username: For `AUTH`, used only if the server offers it; nil or empty for none.
    ///   - password: A secret: never part of an error.
    ///   - requireTLS: For `smtp://`, fail unless STARTTLS succeeds. When false, STARTTLS is still
    ///     tried and plain text is used only if the server refuses it.
    ///   - caFile: PEM file of CA certificates to trust instead of the system bundle.
    ///   - timeoutSeconds: Limit for the whole conversation (connect, TLS, commands, upload).
    ///   - date: The Date header, seconds since 1970 (tests pass a fixed one).
    /// - Throws: `SMTPError` with curl's reason and the server's reply code; `isPermanent` when the
    ///   server refused with a 5xx reply or an address is malformed.
    public func send(
        _ message: SMTPMessage, url: String, username: String? = nil, password: String? = nil, requireTLS: Bool = true,
        caFile: String? = nil, timeoutSeconds: Double = 15, date: Double = Date().timeIntervalSince1970
    ) throws(SMTPError) {
        let server = URLRedaction.redacted(url)
        guard let sender = SMTPMessageFormat.envelopeAddress(message.from) else {
            throw SMTPError(curlCode: -1, message: "invalid sender address", server: server, isPermanent: true)
        }
        var recipients: [String] = []
        for recipient in message.to {
            guard let address = SMTPMessageFormat.envelopeAddress(recipient) else {
                throw SMTPError(curlCode: -1, message: "invalid recipient address", server: server, isPermanent: true)
            }
            recipients.append(address)
        }
        guard !recipients.isEmpty else {
            throw SMTPError(curlCode: -1, message: "no recipients", server: server, isPermanent: true)
        }

        curl_easy_reset(handle)
        errorBuffer[0] = 0
        var recipientList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(recipientList) }
        for address in recipients { recipientList = curl_slist_append(recipientList, "<\(address)>") }
        let source = UploadSource(SMTPMessageFormat.render(message, date: date))

        func fail(_ code: CURLcode) -> SMTPError {
            var reply = 0
            _ = hookd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
            let detail = String(cString: errorBuffer)
            var text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            if code == CURLE_USE_SSL_FAILED { text = "STARTTLS required (require_tls) but not available: \(text)" }
            text = URLRedaction.scrub(text, of: url)
            if let password, !password.isEmpty { text = text.replacing(password, with: "…") }
            let replyCode = reply >= 400 ? reply : nil
            return SMTPError(curlCode: Int(code.rawValue), message: text, replyCode: replyCode, server: server,
                             isPermanent: (500..<600).contains(replyCode ?? 0))
        }
        func check(_ code: CURLcode) throws(SMTPError) {
            if code != CURLE_OK { throw fail(code) }
        }

        try check(hookd_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(hookd_curl_setopt_string(handle, CURLOPT_URL, url))
        try check(hookd_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
        try check(hookd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(hookd_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, CurlTransfer.milliseconds(timeoutSeconds)))
        let tls = requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY
        try check(hookd_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(tls.rawValue)))
        if let caFile { try check(hookd_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        if let username, !username.isEmpty {
            try check(hookd_curl_setopt_string(handle, CURLOPT_USERNAME, username))
            try check(hookd_curl_setopt_string(handle, CURLOPT_PASSWORD, password ?? ""))
        }
        try check(hookd_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>"))
        try check(hookd_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipientList))
        try check(hookd_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
        try check(hookd_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(source).toOpaque()))
        try check(hookd_curl_setopt_read_callback(handle) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            return Unmanaged<UploadSource>.fromOpaque(context).takeUnretainedValue().read(into: buffer, capacity: size * count)
        })
        // `source` must outlive the transfer: the read callback only borrows it.
        try withExtendedLifetime(source) { () throws(SMTPError) in try check(curl_easy_perform(handle)) }
    }
}

/// The message bytes as curl's read callback takes them, in pieces of whatever size it asks for.
private final class UploadSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Copies the next at most `capacity` bytes to `buffer`; 0 once everything was read.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// RFC 5322 / MIME rendering of an `SMTPMessage`; pure functions, public for tests and previews.
public enum SMTPMessageFormat {
    /// The complete message: headers, blank line, body, every line ending in CRLF.
    ///
    /// Dot-stuffing is left to curl, which does it while uploading.
    /// - Parameters:
    ///   - date: The Date header, seconds since 1970.
    ///   - messageID: The Message-ID with its angle brackets; a random one at the sender's domain when nil.
    public static func render(_ message: SMTPMessage, date: Double, messageID: String? = nil) -> [UInt8] {
        let (body, encoding) = encodedBody(message.body)
        let id = messageID.map(headerValue) ?? randomMessageID(from: message.from, date: date)
        let headers = [
            "Date: \(rfc5322Date(date))",
            "From: \(headerValue(message.from))",
            "To: \(message.to.map(headerValue).joined(separator: ", "))",
            "Message-ID: \(id)",
            "Subject: \(encodedSubject(message.subject))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(encoding)",
        ]
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    /// `value` safe to place in a header: every control character (CR and LF included, also when
    /// they arrive as the single `Character` "\r\n"), DEL and the Unicode line separators become a space.
    public static func headerValue(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F, 0x85, 0x2028, 0x2029: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// The bare address for the SMTP envelope: `a@b` from `a@b` or `Name <a@b>`; nil when empty or
    /// when it holds whitespace, control characters or angle brackets (which could smuggle commands).
    public static func envelopeAddress(_ value: String) -> String? {
        var address = Substring(value)
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            address = value[value.index(after: open)..<close]
        }
        address = address.drop { $0 == " " || $0 == "\t" }
        while let last = address.last, last == " " || last == "\t" { address = address.dropLast() }
        let forbidden = address.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || "<>".unicodeScalars.contains($0) }
        return address.isEmpty || forbidden ? nil : String(address)
    }

    /// The Subject value: plain when it is printable ASCII of reasonable length, otherwise RFC 2047
    /// encoded words (`=?UTF-8?B?…?=`) of whole characters, folded one per line.
    public static func encodedSubject(_ subject: String) -> String {
        let clean = headerValue(subject)
        if clean.utf8.allSatisfy({ $0 < 0x80 }) && clean.utf8.count <= 900 { return clean }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 42 bytes are 56 base64 characters: each word stays within RFC 2047's 75.
        for scalar in clean.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 42 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// The body with CRLF line endings, ending in CRLF, and its Content-Transfer-Encoding:
    /// `7bit` when it is ASCII with lines of at most 998 bytes, otherwise `quoted-printable`.
    public static func encodedBody(_ body: String) -> (bytes: [UInt8], encoding: String) {
        var lines: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in body.utf8 {
            switch byte {
            case 0x0D: lines.append([])
            case 0x0A where previousWasCR: break
            case 0x0A: lines.append([])
            default: lines[lines.count - 1].append(byte)
            }
            previousWasCR = byte == 0x0D
        }
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        let plain = lines.allSatisfy { line in line.count <= 998 && line.allSatisfy { $0 > 0 && $0 < 0x80 } }
        var out: [UInt8] = []
        for line in lines {
            out += plain ? line : quotedPrintable(line)
            out += [0x0D, 0x0A]
        }
        return (out, plain ? "7bit" : "quoted-printable")
    }

    /// One line, quoted-printable (RFC 2045): soft line breaks keep every output line within 76 characters.
    private static func quotedPrintable(_ line: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        var length = 0
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            let literal = ((33...126).contains(byte) && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
            let piece = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            if length + piece.count > 75 {
                out += [UInt8(ascii: "="), 0x0D, 0x0A]
                length = 0
            }
            out += piece
            length += piece.count
        }
        return out
    }

    /// `Tue, 02 Jan 2024 03:04:05 +0000`: RFC 5322's date-time in UTC, independent of the locale.
    public static func rfc5322Date(_ secondsSince1970: Double) -> String {
        var time = time_t(clamping: secondsSince1970, rounding: .down)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// `<random.seconds@domain>` with the sender's domain (letters, digits, `.` and `-` only).
    private static func randomMessageID(from sender: String, date: Double) -> String {
        let domain = envelopeAddress(sender).flatMap { $0.split(separator: "@").dropFirst().last }.map { part in
            String(part.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") })
        }
        let host = domain.flatMap { $0.isEmpty ? nil : $0 } ?? "hookd.invalid"
        let random = (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        return "<\(random).\(Int64(clamping: date))@\(host)>"
    }
}
