import HookHTTP
import HookNumbers

/// Reading and quoting HTTP answers the way the HTTP alert channels (Slack, PagerDuty) need.
enum AlertChannelHTTP {
    /// The longest `Retry-After` honoured. A larger (or absurd) value is clamped, so a confused
    /// server can neither park a delivery for days nor overflow the dispatcher's sleep arithmetic.
    static let maximumRetryAfterSeconds = 3600.0

    /// `Retry-After` in seconds when it is delta-seconds (`"7"`, as Slack and PagerDuty send),
    /// clamped to `maximumRetryAfterSeconds`; nil when absent or not a number.
    static func retryAfterSeconds(_ response: HTTPResponse) -> Double? {
        response.retryAfterSeconds(maximum: maximumRetryAfterSeconds)
    }

    /// `body` as one line of at most `limit` characters, with each secret replaced by `…`.
    static func quotedBody(_ body: [UInt8], limit: Int, secrets: [String]) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        let line = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        let trimmed = line.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        return truncated(scrub(String(trimmed), secrets: secrets), maxScalars: limit)
    }

    /// `text` with every secret replaced by `…`. A URL secret also hides its path, which for
    /// a Slack webhook is the part that grants access.
    static func scrub(_ text: String, secrets: [String]) -> String {
        var scrubbed = text
        for secret in secrets where !secret.isEmpty {
            scrubbed = scrubbed.replacing(secret, with: "…")
            if let path = urlPath(secret), path.count > 1 {
                scrubbed = scrubbed.replacing(path, with: "/…")
            }
        }
        return scrubbed
    }

    /// At most `maxScalars` Unicode scalars, ending in `…` when cut. Scalars, not grapheme
    /// clusters: services count code points, and there are never fewer of those.
    static func truncated(_ text: String, maxScalars: Int) -> String {
        guard text.unicodeScalars.count > maxScalars, maxScalars > 0 else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.prefix(maxScalars - 1))
        scalars.append("…")
        return String(scalars)
    }

    /// A number for people: whole numbers without a fraction, others to two decimals.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(clamping: rounded)) }
        return String(rounded)
    }

    private static func urlPath(_ url: String) -> String? {
        guard let schemeEnd = url.range(of: "://")?.upperBound else { return nil }
        let rest = url[schemeEnd...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        return String(rest[slash...].prefix { $0 != "?" && $0 != "#" })
    }
}
