import HookJSON

/// How hookd signs a webhook's deliveries, apart from how it authenticates (`signing` in the
/// definition): a webhook can use bearer auth and sign. The secret lives in its own credential
/// (`{source, ref}`), an hmac credential whose `previous_secret` + `previous_expires_at` declare
/// a rotation, during which both secrets sign where the scheme's header can carry two.
public struct WebhookSigning: Sendable, Equatable {
    public var scheme: SignatureScheme
    public var source: CredentialSourceKind
    public var reference: String
    /// The `generic` scheme's header, prefix, encoding, hash and signed content.
    public var generic: GenericSignatureSettings?

    /// The keys of the `signing` object.
    static let fields = ["scheme", "credential", "generic"]
    /// Twilio signs a URL and form parameters a delivery does not have; the registry keeps no
    /// value of its own for a signing secret, so `database` cannot hold one.
    static let schemes = SignatureScheme.allCases.filter { $0 != .twilio }
    static let sources = CredentialSourceKind.allCases.filter { $0 != .database }

    public init(scheme: SignatureScheme, source: CredentialSourceKind, reference: String, generic: GenericSignatureSettings? = nil) {
        self.scheme = scheme
        self.source = source
        self.reference = reference
        self.generic = generic
    }

    /// Reads `signing` from a definition.
    /// - Throws: `WebhookValidationError` naming the key (`signing.scheme`, `signing.credential.ref`, …).
    public init(json object: JSONObject) throws(WebhookValidationError) {
        for member in object where !Self.fields.contains(member.key) {
            throw WebhookValidationError(field: "signing.\(member.key)", reason: "is not a signing field (\(Self.fields.joined(separator: ", ")))")
        }
        guard case .string(let schemeText)? = object["scheme"] else {
            throw WebhookValidationError(field: "signing.scheme", reason: "is required (one of \(Self.names(Self.schemes)))")
        }
        guard let scheme = SignatureScheme(rawValue: schemeText), Self.schemes.contains(scheme) else {
            throw WebhookValidationError(field: "signing.scheme", reason: "must be one of \(Self.names(Self.schemes)), not '\(schemeText)'")
        }
        guard case .object(let credential)? = object["credential"] else {
            throw WebhookValidationError(field: "signing.credential", reason: "is required: an object {source, ref} naming the signing secret")
        }
        for member in credential where !["source", "ref"].contains(member.key) {
            throw WebhookValidationError(field: "signing.credential.\(member.key)", reason: "is not a signing credential field (source, ref)")
        }
        guard case .string(let sourceText)? = credential["source"],
              let source = CredentialSourceKind(rawValue: sourceText), Self.sources.contains(source) else {
            throw WebhookValidationError(field: "signing.credential.source", reason: "must be one of \(Self.names(Self.sources))")
        }
        guard case .string(let reference)? = credential["ref"], !reference.isEmpty else {
            throw WebhookValidationError(field: "signing.credential.ref", reason: "is required: the name of the signing secret in its source")
        }
        var generic: GenericSignatureSettings? = nil
        switch (scheme, object["generic"]) {
        case (.generic, .object(let settings)?):
            generic = try GenericSignatureSettings(json: settings, path: "signing.generic")
        case (.generic, _):
            throw WebhookValidationError(field: "signing.generic", reason: "is required for scheme generic: an object {header, prefix?, encoding?, …}")
        case (_, nil), (_, .null?):
            break
        case (_, _?):
            throw WebhookValidationError(field: "signing.generic", reason: "applies to scheme generic only")
        }
        self.init(scheme: scheme, source: source, reference: reference, generic: generic)
    }

    /// The `signing` object as a definition shows it (names the secret, never holds it).
    public var json: JSONValue {
        var object: JSONObject = ["scheme": .string(scheme.rawValue), "credential": ["source": .string(source.rawValue), "ref": .string(reference)]]
        if let generic { object["generic"] = .object(generic.json) }
        return .object(object)
    }

    private static func names<Value: RawRepresentable>(_ values: [Value]) -> String where Value.RawValue == String {
        values.map(\.rawValue).joined(separator: ", ")
    }
}
