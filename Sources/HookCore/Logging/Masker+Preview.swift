import HookJSON

extension Masker {
    /// How many UTF-8 bytes of a body a preview keeps, before the ellipsis.
    public static let previewLimit = 256

    /// The start of a response body, masked, for a log line or a delivery attempt.
    ///
    /// A body is masked whole before it is cut, so that a secret straddling the cut cannot leave
    /// its first half behind. A JSON body is masked as a payload (sensitive keys at any depth,
    /// then ``maskText(_:)`` on every string) and previewed in its compact form; a form-encoded
    /// body (`a=1&token=x`, no whitespace) has its sensitive parameters masked; any other text is
    /// cleaned as ``maskText(_:)`` does. The result is cut to at most `limit` UTF-8 bytes on a
    /// character boundary, with `…` appended when something was cut.
    /// - Parameters:
    ///   - body: the body as received (decoded as UTF-8 by the caller).
    ///   - limit: the most UTF-8 bytes kept before the ellipsis.
    /// - Returns: the preview; empty for an empty body.
    public func bodyPreview(_ body: String, limit: Int = Masker.previewLimit) -> String {
        Self.truncated(maskedBody(body), limit: limit)
    }

    /// The whole body with its secrets masked, by the rules of ``bodyPreview(_:limit:)``.
    func maskedBody(_ body: String) -> String {
        guard isEnabled, !body.isEmpty else { return body }
        if let value = try? JSONValue.parse(body) {
            return maskPayload(value).compactText
        }
        if Self.looksFormEncoded(body) {
            let withoutSecrets = maskKnownSecrets(body)
            return CardNumberScanner.masking(maskParameters(Substring(withoutSecrets)), with: Self.mask)
        }
        return maskText(body)
    }

    /// `name=value` pairs joined by `&`, without whitespace: how HTML forms and many provider
    /// APIs (Twilio, Slack's slash commands) send a body.
    static func looksFormEncoded(_ body: String) -> Bool {
        var sawEquals = false
        for byte in body.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): return false
            case UInt8(ascii: "="): sawEquals = true
            default: continue
            }
        }
        return sawEquals
    }

    /// `text` cut to at most `limit` UTF-8 bytes on a character boundary, `…` appended when cut.
    static func truncated(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = 0
        var end = text.startIndex
        for index in text.indices {
            let width = text[index].utf8.count
            guard kept + width <= limit else { break }
            kept += width
            end = text.index(after: index)
        }
        return String(text[..<end]) + "…"
    }
}
