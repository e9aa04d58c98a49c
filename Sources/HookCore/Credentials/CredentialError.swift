/// Why `credential.get` could not produce a credential. Safe to show: never holds a secret.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No webhook with that code and direction.
    case unknownWebhook(WebhookKey)
    /// The webhook is registered but its credential does not exist at its source.
    case missing(WebhookKey, source: CredentialSourceKind, reference: String?)
    /// Found missing moments ago (negative cache); `reason` is what was found then.
    case recentlyMissing(WebhookKey, reason: String)
    /// The value exists but does not have its auth_type's shape.
    case malformed(CredentialFormatError)
    /// The source (or the token endpoint) could not answer and no stale value was at hand.
    case sourceFailed(WebhookKey, CredentialSourceError)
    /// The webhook names a source this hookd has no configuration for (say, no Infisical identity).
    case sourceNotConfigured(WebhookKey, source: CredentialSourceKind)
    /// The registry could not be read.
    case registryFailed(String)

    public var description: String {
        switch self {
        case .unknownWebhook(let key): "no webhook \(key) is registered"
        case .missing(let key, let source, let reference):
            "credential for \(key) not found in \(source.rawValue)" + (reference.map { " (ref \($0))" } ?? "")
        case .recentlyMissing(_, let reason): reason
        case .malformed(let error): error.description
        case .sourceFailed(let key, let error): "credential for \(key) unavailable: \(error.message)"
        case .sourceNotConfigured(let key, let source):
            "credential for \(key) is in \(source.rawValue), which this hookd has no configuration for"
        case .registryFailed(let reason): "webhook registry unavailable: \(reason)"
        }
    }
}
