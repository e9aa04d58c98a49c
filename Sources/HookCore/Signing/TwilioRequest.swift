/// The URL rules of Twilio's signature: the signature covers the URL exactly as requested, and
/// for a JSON body the URL carries `bodySHA256=<hex SHA-256 of the body>` while the signature
/// covers the URL alone.
///
/// Twilio's own validators accept the URL with and without its port (Twilio's back end is not
/// consistent about it); the verifier does the same.
public enum TwilioRequest {
    /// The query parameter that carries a JSON body's hash.
    public static let bodyHashParameter = "bodySHA256"

    /// `url` with `bodySHA256=<hex>` for `body` appended: the URL a JSON body is sent to and signed with.
    public static func signedURL(_ url: String, jsonBody body: [UInt8]) -> String {
        let fragmentStart = url.firstIndex(of: "#") ?? url.endIndex
        let base = String(url[..<fragmentStart])
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + bodyHashParameter + "=" + SignatureText.hex(SignatureAlgorithm.sha256(body)) + String(url[fragmentStart...])
    }

    /// The value of the `bodySHA256` query parameter, if the URL has one (the first, as Twilio's validators read it).
    static func bodyHash(in url: String) -> Substring? {
        guard let queryStart = url.firstIndex(of: "?") else { return nil }
        let query = url[url.index(after: queryStart)...].prefix { $0 != "#" }
        for item in query.split(separator: "&") {
            let pieces = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if pieces.count == 2, pieces[0] == bodyHashParameter { return pieces[1] }
        }
        return nil
    }

    /// The URL without its port and with it (the scheme's default when it has none): the two
    /// forms Twilio's validators try.
    static func portVariants(of url: String) -> [String] {
        guard let schemeEnd = url.firstRange(of: "://") else { return [url] }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        // The port follows the last ':' after any IPv6 literal's ']'.
        let hostStart = authority.lastIndex(of: "]") ?? authority.startIndex
        let before = url[..<authorityStart]
        let after = url[authorityEnd...]
        if let colon = authority[hostStart...].lastIndex(of: ":") {
            let port = authority[authority.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return [url] }
            return [String(before + authority[..<colon] + after), url]
        }
        let defaultPort = url[..<schemeEnd.lowerBound].lowercased() == "https" ? "443" : "80"
        return [url, String(before + authority + ":" + defaultPort + after)]
    }
}
