import HookCore

/// One webhook's move into Infisical as the migration journal holds it: where it stands, what it
/// writes (as a SHA-256, never the value) and what rollback may undo.
public struct MigrationJournalEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Started and not finished: `step` says how far it got (a crash leaves it here).
        case inProgress = "in_progress"
        /// The registry points at the Infisical secret.
        case migrated
        /// Put back on the credential it had before.
        case rolledBack = "rolled_back"
        /// Stopped before the registry was switched; `reason` says why. The old source is in force.
        case failed
    }

    /// The step an `in_progress` migration is at; each begins once the one before succeeded.
    public enum Step: String, Sendable, CaseIterable {
        /// Creating (or, with overwrite, updating) the Infisical secret.
        case writing
        /// Reading the secret back through the normal read path and comparing.
        case readingBack = "reading_back"
        /// The registry row points at the secret; caches are being invalidated and warmed.
        case invalidating
    }

    public var key: WebhookKey
    public var state: State
    public var step: Step?
    public var secretName: String
    public var secretPath: String
    public var environment: String
    /// SHA-256 (hex) of the canonical value written: proof of what was moved, without the value.
    public var valueSHA256: String
    /// The migration created the secret (rollback with `delete_secret` may delete it then, never otherwise).
    public var createdSecret: Bool
    /// A write was sent (false for a secret that already held the value).
    public var written: Bool
    /// `validate.one`'s status just before the webhook migrated (VALID, INVALID, UNTESTED, ERROR).
    public var validationBefore: String?
    public var reason: String?
    /// ISO 8601.
    public var updatedAt: String

    public init(key: WebhookKey, state: State, step: Step?, secretName: String, secretPath: String, environment: String,
                valueSHA256: String, createdSecret: Bool = false, written: Bool = false, validationBefore: String? = nil,
                reason: String? = nil, updatedAt: String) {
        self.key = key
        self.state = state
        self.step = step
        self.secretName = secretName
        self.secretPath = secretPath
        self.environment = environment
        self.valueSHA256 = valueSHA256
        self.createdSecret = createdSecret
        self.written = written
        self.validationBefore = validationBefore
        self.reason = reason
        self.updatedAt = updatedAt
    }
}

/// The credential a webhook had before it migrated, kept for rollback.
public struct CredentialBackup: Sendable, Equatable {
    public var source: CredentialSourceKind
    public var reference: String?
    /// The `database` source's value; nil for the other sources (their value stays where it is).
    public var legacyValue: String?
    public var backedUpAt: String
}
