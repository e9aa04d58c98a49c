import HookJSON

extension Masker {
    /// Header names that are always sensitive, lowercased.
    static let sensitiveHeaderNames: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
    ]

    /// A header whose lowercased name contains one of these is sensitive: it covers the
    /// signature headers of the providers (`X-Hub-Signature-256`, `Stripe-Signature`,
    /// `X-Shopify-Hmac-Sha256`), token and key headers (`X-Auth-Token`, `X-Goog-Api-Key`) and
    /// session identifiers.
    static let sensitiveHeaderFragments = [
        "token", "secret", "signature", "password", "passwd", "key", "hmac", "auth", "credential",
        "session", "cookie",
    ]

    /// Masks the sensitive headers of a request or response.
    ///
    /// A header is sensitive when its name (any case) is `Authorization`, `Proxy-Authorization`,
    /// `Cookie`, `Set-Cookie`, `X-Api-Key` or one of the configured extra names, or contains
    /// token, secret, signature, password, key, hmac, auth, credential or session. Its value
    /// becomes ``mask`` whatever its type. The other headers keep their values, with known
    /// secrets, URL secrets (a `Location` or `Referer` can carry a token) and card numbers
    /// masked inside their strings. Member order is kept.
    /// - Parameter headers: the headers as a JSON object, name to value.
    /// - Returns: the headers to log.
    public func maskHeaders(_ headers: JSONObject) -> JSONObject {
        guard isEnabled else { return headers }
        return JSONObject(headers.members.map { member in
            let value: JSONValue = isSensitiveHeader(member.key) ? .string(Self.mask) : maskStrings(in: member.value)
            return JSONObject.Member(key: maskKnownSecrets(member.key), value: value)
        })
    }

    /// Whether a header with this name carries a credential.
    func isSensitiveHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if Self.sensitiveHeaderNames.contains(lowered) || extraHeaderNames.contains(lowered) { return true }
        return Self.sensitiveHeaderFragments.contains { Self.contains(lowered, $0) }
    }

    /// Whether `text` holds `fragment`, compared as UTF-8 bytes: Foundation's `contains` (which
    /// `lowered.contains(_:)` picks here) bridges through NSString on every call, and this runs
    /// for every header of every logged request.
    static func contains(_ text: String, _ fragment: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(fragment.utf8)
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }
}
