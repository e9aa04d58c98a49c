extension Masker {
    /// Query parameter names, or words of them, that carry a secret. A name is split into words
    /// at punctuation and at camel-case humps (`X-Amz-Signature`, `apiKey`, `client_secret`), so
    /// `sig` and `key` match as words without catching `design` or `monkey`.
    static let sensitiveParameterWords: Set<String> = [
        "token", "secret", "key", "apikey", "password", "passwd", "pwd", "signature", "sig", "auth",
        "authorization", "hmac", "credential", "credentials", "session", "sessionid", "jwt",
    ]

    /// A parameter whose lowercased name contains one of these is sensitive whatever its words
    /// (`access_token`, `oauth_signature`, `x-amz-security-token`, `webhooksecret`).
    static let sensitiveParameterFragments = [
        "token", "secret", "password", "passwd", "signature", "apikey", "api_key", "api-key", "hmac",
    ]

    /// Masks the secrets in a URL without otherwise changing it.
    ///
    /// The userinfo (`https://user:pass@host`) becomes ``mask`` (`https://***MASKED***@host`);
    /// the value of each sensitive query parameter (token, secret, key, password, pwd, signature,
    /// sig, auth, access_token, client_secret, api_key …) becomes ``mask`` while the other
    /// parameters keep theirs. The fragment is kept, except that a fragment written as
    /// parameters (`#access_token=…`, as OAuth's implicit flow returns) is masked the same way.
    /// Nothing is decoded or re-encoded, so the URL reads as it was sent; known secrets are masked
    /// wherever they appear in it.
    /// - Parameter url: the URL as the caller has it, absolute or relative.
    /// - Returns: the URL to log.
    public func maskURL(_ url: String) -> String {
        guard isEnabled else { return url }
        return maskURLStructure(maskKnownSecrets(url))
    }

    /// Masks userinfo and sensitive parameters; known secrets are left to the caller.
    func maskURLStructure(_ url: String) -> String {
        var rest = Substring(url)
        var fragment: Substring?
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        var query: Substring?
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        var result = maskPathTokens(maskUserinfo(rest))
        if let query { result += "?" + maskParameters(query) }
        if let fragment {
            result += "#" + (fragment.contains("=") ? maskParameters(fragment) : String(fragment))
        }
        return result
    }

    /// Webhook URLs whose path is the secret: Slack's `hooks.slack.com/services/T…/B…/<token>`
    /// (and `/workflows/…`, `/triggers/…`) keep only the kind of hook; Discord-style
    /// `/api/webhooks/<id>/<token>` keep the id.
    func maskPathTokens(_ beforeQuery: String) -> String {
        guard let schemeEnd = beforeQuery.firstRange(of: "://") else { return beforeQuery }
        let afterScheme = beforeQuery[schemeEnd.upperBound...]
        guard let pathStart = afterScheme.firstIndex(of: "/") else { return beforeQuery }
        let host = afterScheme[..<pathStart].split(separator: "@").last.map { $0.lowercased() } ?? ""
        var segments = afterScheme[pathStart...].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // segments[0] is the empty text before the path's first "/".
        if host == "hooks.slack.com" || host.hasPrefix("hooks.slack.com:"), segments.count > 2,
           ["services", "workflows", "triggers"].contains(segments[1]) {
            segments = Array(segments.prefix(2)) + [Self.mask]
        } else if let api = segments.firstIndex(of: "api"), api + 3 < segments.count, segments[api + 1] == "webhooks",
                  !segments[api + 3].isEmpty {
            segments = Array(segments.prefix(api + 3)) + [Self.mask]
        } else {
            return beforeQuery
        }
        return String(beforeQuery[..<pathStart]) + segments.joined(separator: "/")
    }

    /// `scheme://userinfo@host/path` with the userinfo masked; anything else unchanged.
    private func maskUserinfo(_ beforeQuery: Substring) -> String {
        guard let schemeEnd = beforeQuery.firstRange(of: "://") else { return String(beforeQuery) }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = beforeQuery[authorityStart...].firstIndex(of: "/") ?? beforeQuery.endIndex
        guard let at = beforeQuery[authorityStart..<authorityEnd].lastIndex(of: "@"), at > authorityStart else {
            return String(beforeQuery)
        }
        return String(beforeQuery[..<authorityStart]) + Self.mask + String(beforeQuery[at...])
    }

    /// `a=1&token=x` with the sensitive values masked; separators and other text unchanged.
    func maskParameters(_ query: Substring) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "="),
                parameter.index(after: equals) < parameter.endIndex,
                isSensitiveParameter(parameter[..<equals])
            else { return String(parameter) }
            return String(parameter[...equals]) + Self.mask
        }.joined(separator: "&")
    }

    /// Whether a query parameter with this (still encoded) name carries a secret.
    func isSensitiveParameter(_ encodedName: Substring) -> Bool {
        let name = Self.percentDecoded(encodedName)
        if extraKeys.contains(Self.normalizedKey(name)) || extraHeaderNames.contains(name.lowercased()) { return true }
        let lowered = name.lowercased()
        if Self.sensitiveParameterFragments.contains(where: { lowered.contains($0) }) { return true }
        return Self.words(of: name).contains { Self.sensitiveParameterWords.contains($0) }
    }

    /// The lowercased words of a name, split at non-alphanumerics and before an uppercase letter
    /// that follows a lowercase one.
    static func words(of name: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousWasLower = false
        for character in name {
            guard character.isLetter || character.isNumber else {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if character.isUppercase && previousWasLower && !current.isEmpty {
                words.append(current)
                current = ""
            }
            current += character.lowercased()
            previousWasLower = character.isLowercase
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `%XX` and `+` decoded, for comparing a parameter name; malformed escapes stay as they are.
    static func percentDecoded(_ text: Substring) -> String { FormEncoding.decode(text) }

    /// Masks every URL (a whitespace- or quote-delimited run containing `://`) inside a text.
    func maskEmbeddedURLs(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3 else { return text }
        func isDelimiter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "`"):
                true
            default: false
            }
        }
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while index + 2 < bytes.count {
            guard bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else {
                index += 1
                continue
            }
            var start = index
            while start > copied && !isDelimiter(bytes[start - 1]) { start -= 1 }
            var end = index + 3
            while end < bytes.count && !isDelimiter(bytes[end]) { end += 1 }
            // Delimiters are ASCII, so the slice is whole UTF-8 scalars.
            let url = String(decoding: bytes[start..<end], as: UTF8.self)
            output.append(contentsOf: bytes[copied..<start])
            output.append(contentsOf: maskURLStructure(url).utf8)
            copied = end
            index = end
        }
        guard copied > 0 else { return text }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }
}
