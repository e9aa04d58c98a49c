/// Reads secrets from one kind of source (Infisical, environment, files, the registry).
public protocol CredentialSourceReader: Sendable {
    /// The secret's text, or nil when the source says it does not exist.
    /// - Throws: `CredentialSourceError` when the source could not answer (down, refused, timed out).
    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String?

    /// Why a webhook may not use `reference` (nil: the source default) here; nil when it may.
    /// Checked at `webhook.upsert`, so a bad reference is refused before it is stored.
    func refusal(of reference: String?, for key: WebhookKey) async -> String?
}

extension CredentialSourceReader {
    public func refusal(of reference: String?, for key: WebhookKey) async -> String? { nil }
}

/// A source could not answer. The message is safe to show: it never contains a secret.
public struct CredentialSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Could not be reached, or answered 5xx: a stale value may stand in.
        case unavailable
        /// Refused our identity (401/403): a configuration problem.
        case unauthorized
        /// Asked us to slow down and the retry budget ran out.
        case rateLimited
        /// Did not answer within its time budget.
        case timeout
        /// The webhook's reference is not allowed (outside the permitted names, or it holds one
        /// of hookd's own secrets): a definition problem, never answered with a stale value.
        case refusedReference
        /// The credential's own endpoint (an OAuth2 token URL) is not allowed: a non-public
        /// address outside `network.allow`, so nothing was sent.
        case blockedAddress
        /// The credential's own endpoint is plain `http://` and the webhook does not say
        /// `allow_insecure_http: true`, so the client secret was not sent.
        case cleartextRefused

        /// A problem of the webhook's definition rather than of the source's availability:
        /// waiting or a stale value would not mend it, so none stands in.
        public var isDefinitionProblem: Bool {
            switch self {
            case .refusedReference, .blockedAddress, .cleartextRefused: true
            case .unavailable, .unauthorized, .rateLimited, .timeout: false
            }
        }
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}

/// The shared tier (L2, Redis): survives restarts and is shared by every hookd using it.
///
/// Every method must return promptly and never throw: when the tier is away, hookd carries on
/// with L1 and the source, and the tier reports itself on the health board.
public protocol SharedCredentialTier: Sendable {
    /// A stored credential, or nil (absent, undecryptable, or the tier is unreachable).
    func load(_ key: WebhookKey) async -> CachedCredential?
    func store(_ credential: CachedCredential, for key: WebhookKey, ttlSeconds: Int) async
    /// Deletes matching entries (nil matches any) and tells every hookd to drop its L1 copies.
    func invalidate(code: String?, direction: WebhookDirection?) async
}

/// Exchanges OAuth2 client credentials for an access token at the token endpoint.
public protocol OAuth2TokenIssuer: Sendable {
    /// Asks the token endpoint for an access token, within `timeoutSeconds`; the client secret
    /// goes over plain `http://` only when `allowInsecureHTTP` (the webhook's own setting).
    func issueToken(_ credentials: OAuth2ClientCredentials, timeoutSeconds: Double, allowInsecureHTTP: Bool)
        async throws(CredentialSourceError) -> IssuedToken
}

/// An access token from an OAuth2 token endpoint.
public struct IssuedToken: Sendable, Equatable {
    public var accessToken: String
    public var tokenType: String
    /// Seconds since 1970.
    public var expiresAt: Double

    public init(accessToken: String, tokenType: String, expiresAt: Double) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresAt = expiresAt
    }
}

/// Where webhook definitions come from (the SQLite registry).
public protocol WebhookDirectory: Sendable {
    func webhook(_ key: WebhookKey) async throws(CredentialError) -> Webhook?
}
