/// Which `env` and `file` references a webhook may use, so that no webhook can point at hookd's
/// own secrets (its Infisical client secret, Redis key, SMTP password…) and have them handed out
/// by `credential.get` or sent to a URL of the caller's choice by `validate.one`.
///
/// Two checks: by name at `webhook.upsert` (env names start with `HOOKD_CRED_` or match an
/// operator's `credentials.env_allow` pattern; file names are plain names inside
/// `credentials.file_dir`), and by value at every read (a value that holds one of hookd's own
/// secrets is refused, whatever it is called).
public struct CredentialReferencePolicy: Sendable {
    /// Every `env` reference starts with this unless an allow pattern admits it.
    public static let environmentPrefix = "HOOKD_CRED_"
    /// Own secrets shorter than this are not searched for inside values (too likely by chance).
    static let shortestSearchedSecret = 8

    /// `credentials.env_allow`: shell-style patterns (`*`, `?`) naming further variables webhooks may read.
    public var environmentAllowPatterns: [String]
    /// hookd's own secrets, by value.
    private let ownSecrets: [String]

    public init(environmentAllowPatterns: [String] = [], ownSecrets: [String] = []) {
        self.environmentAllowPatterns = environmentAllowPatterns
        self.ownSecrets = ownSecrets.filter { !$0.isEmpty }
    }

    /// Why a webhook may not use `reference` in `source`; nil when it may.
    public func refusal(source: CredentialSourceKind, reference: String) -> String? {
        switch source {
        case .env:
            if reference.hasPrefix(Self.environmentPrefix) && reference.count > Self.environmentPrefix.count { return nil }
            if environmentAllowPatterns.contains(where: { Self.glob($0, matches: reference) }) { return nil }
            return "env refs must start with \(Self.environmentPrefix) or match credentials.env_allow"
        case .file:
            guard !reference.isEmpty, reference != ".", reference != "..",
                  !reference.contains("/"), !reference.utf8.contains(0) else {
                return "file refs are plain file names inside credentials.file_dir"
            }
            return nil
        case .infisical, .database:
            return nil
        }
    }

    /// Whether `value` is, or contains, one of hookd's own secrets.
    public func holdsOwnSecret(_ value: String) -> Bool {
        let trimmed = value.trimmingASCIIWhitespace
        return ownSecrets.contains { secret in
            trimmed == secret || (secret.count >= Self.shortestSearchedSecret && value.contains(secret))
        }
    }

    /// Shell-style matching: `*` any run of characters, `?` one character, anything else itself.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        var patternIndex = 0
        var textIndex = 0
        var starIndex: Int? = nil
        var resumeIndex = 0
        while textIndex < text.count {
            if patternIndex < pattern.count && (pattern[patternIndex] == "?" || pattern[patternIndex] == text[textIndex]) {
                patternIndex += 1
                textIndex += 1
            } else if patternIndex < pattern.count && pattern[patternIndex] == "*" {
                starIndex = patternIndex
                resumeIndex = textIndex
                patternIndex += 1
            } else if let star = starIndex {
                patternIndex = star + 1
                resumeIndex += 1
                textIndex = resumeIndex
            } else {
                return false
            }
        }
        while patternIndex < pattern.count && pattern[patternIndex] == "*" { patternIndex += 1 }
        return patternIndex == pattern.count
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line ends (as a secret read from a file or variable).
    var trimmingASCIIWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
