import HookJSON

/// A credential ready to hand out: its wire shape plus where it came from and when.
///
/// This is what both cache tiers hold. `fetchedAt` is wall-clock time (seconds since 1970) so
/// that its age means the same on every host sharing the Redis tier.
public struct CachedCredential: Sendable, Equatable {
    public var authType: AuthType
    public var source: CredentialSourceKind
    /// The `credential` member of `credential.get`'s result.
    public var credential: JSONValue {
        didSet { encodedCredential = credential.encoded() }
    }
    /// `credential` as JSON text, made once when the value is cached: an L1 hit copies these
    /// bytes instead of encoding the object again.
    public private(set) var encodedCredential: [UInt8]
    /// Every secret string inside `credential`, for masking; not stored in Redis separately.
    public var secretValues: [String]
    public var fetchedAt: Double
    /// When the credential itself stops being valid (an issued OAuth2 token), if it does.
    public var expiresAt: Double?

    public init(authType: AuthType, source: CredentialSourceKind, credential: JSONValue, secretValues: [String], fetchedAt: Double, expiresAt: Double? = nil) {
        self.authType = authType
        self.source = source
        self.credential = credential
        self.encodedCredential = credential.encoded()
        self.secretValues = secretValues
        self.fetchedAt = fetchedAt
        self.expiresAt = expiresAt
    }

    /// The serialized form kept (encrypted) in the shared tier.
    public var storedJSON: JSONValue {
        var object: JSONObject = [
            "auth_type": .string(authType.rawValue), "source": .string(source.rawValue),
            "credential": credential, "secrets": .array(secretValues.map(JSONValue.string)), "fetched_at": .double(fetchedAt),
        ]
        if let expiresAt { object["expires_at"] = .double(expiresAt) }
        return .object(object)
    }

    /// Reads `storedJSON` back; nil when it is not that shape (an old or foreign value).
    public init?(storedJSON value: JSONValue) {
        guard let authType = value["auth_type"]?.stringValue.flatMap(AuthType.init(rawValue:)),
              let source = value["source"]?.stringValue.flatMap(CredentialSourceKind.init(rawValue:)),
              let credential = value["credential"], let fetchedAt = value["fetched_at"]?.doubleValue
        else { return nil }
        self.init(authType: authType, source: source, credential: credential,
                  secretValues: value["secrets"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  fetchedAt: fetchedAt, expiresAt: value["expires_at"]?.doubleValue)
    }
}
