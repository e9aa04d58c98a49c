/// What each provider's HMAC covers: the one definition the signer and the verifier share, so
/// that what hookd sends is exactly what hookd (and the provider's own receivers) check.
enum SignedContent {
    /// Standard Webhooks: `"{id}.{timestamp}.{body}"`.
    static func standardWebhooks(id: some StringProtocol, timestamp: some StringProtocol, body: [UInt8]) -> [UInt8] {
        Array(id.utf8) + [UInt8(ascii: ".")] + Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
    }

    /// Stripe: `"{t}.{body}"`.
    static func stripe(timestamp: some StringProtocol, body: [UInt8]) -> [UInt8] {
        Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
    }

    /// Slack: `"v0:{timestamp}:{body}"`.
    static func slack(timestamp: some StringProtocol, body: [UInt8]) -> [UInt8] {
        Array("v0:".utf8) + Array(timestamp.utf8) + [UInt8(ascii: ":")] + body
    }

    /// Twilio: the full URL, then each parameter's name immediately followed by its value,
    /// sorted by name and then value, an exact repeat counted once (as Twilio's own validators do).
    static func twilio(url: some StringProtocol, params: [(String, String)]) -> [UInt8] {
        // Byte order is code-point order, which is how Twilio's libraries sort; Swift's String
        // ordering would differ for non-ASCII text.
        let sorted = params.sorted { left, right in
            if left.0.utf8.elementsEqual(right.0.utf8) { return left.1.utf8.lexicographicallyPrecedes(right.1.utf8) }
            return left.0.utf8.lexicographicallyPrecedes(right.0.utf8)
        }
        var bytes = Array(url.utf8)
        var last: (String, String)? = nil
        for pair in sorted {
            if let last, last.0.utf8.elementsEqual(pair.0.utf8), last.1.utf8.elementsEqual(pair.1.utf8) { continue }
            bytes += pair.0.utf8
            bytes += pair.1.utf8
            last = pair
        }
        return bytes
    }
}
