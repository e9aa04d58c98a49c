/// Keeps secrets that callers put into URLs (tokens in the query, `user:password@`) out of errors and logs.
enum URLRedaction {
    /// `scheme://host:port/path` of `url`: userinfo, query and fragment removed.
    ///
    /// Plain string work, no URL parser: it must also be safe on URLs that curl rejected as malformed.
    static func redacted(_ url: String) -> String {
        let withoutQuery = url.prefix { $0 != "?" && $0 != "#" }
        let schemeEnd = withoutQuery.range(of: "://")?.upperBound ?? withoutQuery.startIndex
        let rest = withoutQuery[schemeEnd...]
        let authority = rest.prefix { $0 != "/" }
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return "\(withoutQuery[..<schemeEnd])\(host)\(rest.dropFirst(authority.count))"
    }

    /// `message` with the URL's query, fragment and userinfo replaced by `…`, in case curl quoted them.
    static func scrub(_ message: String, of url: String) -> String {
        var secrets: [Substring] = []
        if let query = url.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            secrets.append(url[url.index(after: query)...])
        }
        let schemeEnd = url.range(of: "://")?.upperBound ?? url.startIndex
        let authority = url[schemeEnd...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { secrets.append(authority[..<at]) }
        var scrubbed = message
        for secret in secrets where !secret.isEmpty {
            scrubbed = scrubbed.replacing(secret, with: "…")
        }
        return scrubbed
    }
}
