import HookCore
import HookInfisical
import HookJSON
import HookRPC
import HookStore
import Logging

/// Moves webhooks' credentials from the legacy database (or env, or file) into Infisical without a
/// moment where a caller gets none: plan, run, verify, rollback, status.
///
/// Each webhook's run is a journaled state machine (`MigrationJournalEntry`): write the secret,
/// read it back through the normal read path, switch the registry row in one transaction (the old
/// credential kept in `credential_backup`), invalidate and warm the caches, audit. Every step is
/// committed before the next begins, so a run after a crash resumes where it stopped and never
/// writes a value twice: it reads first, and a secret already holding the value is not written again.
final class MigrationService: Sendable {
    /// What a run did to one webhook.
    enum Outcome: String, Sendable {
        case migrated, skipped, conflict, failed
    }

    /// A webhook's plan: where its credential is and what a run would do.
    struct PlanRow: Sendable {
        enum Action: String, Sendable {
            /// The name is free: the run creates the secret.
            case create
            /// The secret already holds the identical value: the run switches to it without a write.
            case skipSame = "skip_same"
            /// The name holds a different value: left alone unless `overwrite`.
            case conflict
            /// The current value could not be read (`reason`): nothing would be done.
            case unreadable
        }

        var webhook: Webhook
        var secretName: String
        var action: Action
        var reason: String?
        /// The value to write, canonical; never leaves the daemon.
        var canonicalValue: String?
        var digest: String?
    }

    let registry: WebhookRegistry
    let credentials: CredentialService
    let sources: [CredentialSourceKind: CredentialSourceReader]
    let infisical: InfisicalClient?
    let settings: InfisicalSettings
    let naming: SecretNaming
    let validation: ValidationService
    let audit: CredentialAudit?
    let logger: Logger

    init(registry: WebhookRegistry, credentials: CredentialService, sources: [CredentialSourceKind: CredentialSourceReader],
         settings: InfisicalSettings, naming: SecretNaming, validation: ValidationService, audit: CredentialAudit?, logger: Logger) {
        self.registry = registry
        self.credentials = credentials
        self.sources = sources
        self.infisical = sources[.infisical] as? InfisicalClient
        self.settings = settings
        self.naming = naming
        self.validation = validation
        self.audit = audit
        self.logger = logger
    }

    /// Infisical, or the refusal every migration method gives without it.
    func requireInfisical() throws(RPCError) -> InfisicalClient {
        guard let infisical else {
            throw RPCError(.invalidConfig, "migration needs Infisical: set infisical.client_id, client_secret and project_id in the configuration")
        }
        return infisical
    }

    // MARK: - Plan

    /// One row per webhook whose credential is in `from`: its target and what a run would do. Reads
    /// only (the current value from its source, the target from Infisical, bypassing every cache).
    /// - Parameters:
    ///   - checkingTargets: read each target from Infisical to choose the action; without, every
    ///     readable row is `create`, to be decided at the write (a run reads the target there anyway).
    ///   - concurrency: webhooks read at once.
    func plan(codes: [String]?, direction: WebhookDirection?, from source: CredentialSourceKind, naming: SecretNaming? = nil,
              checkingTargets: Bool = true, concurrency: Int = 8) async throws(RPCError) -> [PlanRow] {
        let infisical = try requireInfisical()
        let naming = naming ?? self.naming
        let webhooks: [Webhook]
        do throws(StoreError) {
            webhooks = try await registry.list(direction: direction)
        } catch {
            throw RPCError(.internalError, "the webhook registry could not be read: \(error.description)")
        }
        let wanted = codes.map(Set.init)
        let chosen = webhooks.filter { webhook in
            webhook.credentialSource == source && webhook.authType != .none && (wanted?.contains(webhook.key.code) ?? true)
        }
        return await chosen.concurrentMap(limit: concurrency) { webhook in
            await self.planRow(webhook, secretName: naming.name(for: webhook.key), infisical: checkingTargets ? infisical : nil)
        }
    }

    /// - Parameter infisical: where to read the target; nil: not read (the action is `create`).
    func planRow(_ webhook: Webhook, secretName: String, infisical: InfisicalClient?) async -> PlanRow {
        var row = PlanRow(webhook: webhook, secretName: secretName, action: .unreadable)
        let current: Credential
        do {
            current = try await currentCredential(webhook)
        } catch {
            row.reason = error.description
            return row
        }
        guard let value = current.canonicalText, let digest = current.canonicalDigest else {
            row.reason = "the credential is empty"
            return row
        }
        row.canonicalValue = value
        row.digest = digest
        guard let infisical else {
            row.action = .create
            return row
        }
        do throws(CredentialSourceError) {
            guard let existing = try await infisical.readSecret(secretName) else {
                row.action = .create
                return row
            }
            row.action = Self.digest(of: existing, for: webhook) == digest ? .skipSame : .conflict
        } catch {
            row.reason = error.description
        }
        return row
    }

    /// The webhook's credential as its current source holds it.
    private func currentCredential(_ webhook: Webhook) async throws(MigrationFailure) -> Credential {
        guard let reader = sources[webhook.credentialSource] else {
            throw MigrationFailure("source \(webhook.credentialSource.rawValue) is not configured")
        }
        let text: String?
        do throws(CredentialSourceError) {
            text = try await reader.read(webhook.credentialReference, for: webhook)
        } catch {
            throw MigrationFailure("reading the current credential: \(error.description)")
        }
        guard let text else { throw MigrationFailure("no credential in \(webhook.credentialSource.rawValue) to migrate") }
        do throws(CredentialFormatError) {
            return try Credential.parse(text, authType: webhook.authType, webhook: webhook.key)
        } catch {
            throw MigrationFailure("the current credential is malformed: \(error.description)")
        }
    }

    /// The canonical digest of a value read from Infisical, nil when it is not a credential of the webhook's shape.
    static func digest(of text: String, for webhook: Webhook) -> String? {
        (try? Credential.parse(text, authType: webhook.authType, webhook: webhook.key))?.canonicalDigest
    }

    static func now() -> String { ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3) }
}

/// Why one webhook's migration step failed; the message never holds a value.
struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
