import HookJSON

extension Credential {
    /// The text the migration tool writes to a secrets manager, and compares by: the main field
    /// alone for a bearer token and for an hmac secret with nothing beside it (so other tools
    /// reading the secret see the token itself), else the compact JSON object with its keys sorted
    /// and empty fields left out. Two sources hold the same credential when these texts are equal,
    /// whichever form each stores it in (a plain string equals the object holding it as the main
    /// field). Nil for `none`: there is nothing to move.
    public var canonicalText: String? {
        switch self {
        case .none: return nil
        case .bearer(let token): return token
        case .hmac(let secret, nil, nil): return secret
        default:
            guard case .object(let object) = json else { return nil }
            let members = object.filter { $0.value != .null }.sorted { $0.key < $1.key }
            return JSONValue.object(JSONObject(members.map { JSONObject.Member(key: $0.key, value: $0.value) })).compactText
        }
    }

    /// SHA-256 (hex) of `canonicalText`: what the migration journal keeps instead of the value.
    public var canonicalDigest: String? {
        canonicalText.map { text in SignatureText.hex(SignatureAlgorithm.sha256(Array(text.utf8))) }
    }
}

/// The name a migrated credential gets in the secrets manager: `infisical.secret_naming`, where
/// `<CODE>`, `<code>`, `<DIRECTION>` and `<direction>` stand for the webhook's.
public struct SecretNaming: Sendable, Equatable {
    public static let defaultTemplate = "WEBHOOK_<CODE>_<DIRECTION>"
    /// `WEBHOOK_<CODE>_<DIRECTION>`, the name hookd reads an infisical credential by when a webhook gives none.
    public static let defaultNaming = SecretNaming(checked: defaultTemplate)
    public let template: String

    private init(checked template: String) { self.template = template }

    /// - Throws: `WebhookValidationError` (field `naming`) when the template names no `<CODE>`
    ///   (every webhook would share one secret) or yields characters Infisical refuses.
    public init(_ template: String = defaultTemplate) throws(WebhookValidationError) {
        guard template.contains("<CODE>") || template.contains("<code>") else {
            throw WebhookValidationError(field: "naming", reason: "must contain <CODE> (or <code>): each webhook needs its own secret")
        }
        let sample = Self.fill(template, code: "A", direction: "OUT")
        guard !sample.isEmpty, sample.utf8.count <= 200,
              sample.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E })
        else {
            throw WebhookValidationError(field: "naming", reason: "must make names of letters, digits, '_', '-' and '.' only")
        }
        self.template = template
    }

    public func name(for key: WebhookKey) -> String {
        Self.fill(template, code: key.code, direction: key.direction.rawValue)
    }

    private static func fill(_ template: String, code: String, direction: String) -> String {
        template.replacing("<CODE>", with: code.uppercased()).replacing("<code>", with: code.lowercased())
            .replacing("<DIRECTION>", with: direction.uppercased()).replacing("<direction>", with: direction.lowercased())
    }
}
