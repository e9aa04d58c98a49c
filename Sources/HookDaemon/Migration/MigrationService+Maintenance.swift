import HookCore
import HookInfisical
import HookJSON
import HookRPC
import HookStore

extension MigrationService {
    /// `migrate.verify`'s finding for one migrated webhook.
    struct VerifyResult: Sendable {
        var key: WebhookKey
        var secretName: String
        /// Infisical holds the secret (read from Infisical, not a cache).
        var present: Bool
        /// It holds the value the migration moved (compared by SHA-256).
        var equal: Bool
        /// The registry points at it.
        var registryPoints: Bool
        var validationBefore: String?
        var validationAfter: String
        var reason: String?
        var ok: Bool { present && equal && registryPoints && (validationBefore == nil || validationBefore == validationAfter) }
    }

    /// `migrate.verify`: proves every migrated webhook (or those of `codes`) again.
    func verify(codes: [String]?) async throws(RPCError) -> [VerifyResult] {
        let infisical = try requireInfisical()
        var results: [VerifyResult] = []
        for entry in try await entries(codes: codes) where entry.state == .migrated {
            let webhook = try? await registry.webhook(entry.key)
            var result = VerifyResult(key: entry.key, secretName: entry.secretName, present: false, equal: false,
                                      registryPoints: webhook?.credentialSource == .infisical && webhook?.credentialReference == entry.secretName,
                                      validationBefore: entry.validationBefore, validationAfter: ValidationStatus.error.rawValue)
            do throws(CredentialSourceError) {
                if let value = try await infisical.readSecret(entry.secretName), let webhook {
                    result.present = true
                    result.equal = Self.digest(of: value, for: webhook) == entry.valueSHA256
                }
            } catch {
                result.reason = error.description
            }
            result.validationAfter = await validationStatus(entry.key)
            if result.reason == nil, !result.ok { result.reason = Self.verifyReason(result) }
            results.append(result)
        }
        return results
    }

    private static func verifyReason(_ result: VerifyResult) -> String {
        if !result.present { return "Infisical has no secret \(result.secretName)" }
        if !result.equal { return "Infisical's \(result.secretName) no longer holds the migrated value" }
        if !result.registryPoints { return "the registry no longer points at \(result.secretName)" }
        return "validation was \(result.validationBefore ?? "?") before the migration and is \(result.validationAfter) now"
    }

    /// `migrate.rollback`'s outcome for one webhook.
    struct RollbackResult: Sendable {
        var key: WebhookKey
        var secretName: String
        var outcome: String
        var secretDeleted: Bool
        var reason: String?
    }

    /// `migrate.rollback`: puts migrated webhooks back on their backed-up credential; with
    /// `deleteSecret`, deletes the secrets the migration created (never one it found or overwrote).
    func rollback(codes: [String]?, deleteSecret: Bool, peer: Peer) async throws(RPCError) -> [RollbackResult] {
        let infisical = try requireInfisical()
        var results: [RollbackResult] = []
        for entry in try await entries(codes: codes) where entry.state == .migrated || (entry.state == .inProgress && entry.step == .invalidating) {
            var rolled = entry
            rolled.state = .rolledBack
            rolled.step = nil
            rolled.reason = nil
            rolled.updatedAt = Self.now()
            var result = RollbackResult(key: entry.key, secretName: entry.secretName, outcome: "rolled_back", secretDeleted: false)
            let restored: WebhookStore.SwitchOutcome
            do throws(StoreError) {
                let update = rolled
                restored = try await registry.changing { store throws(StoreError) in
                    try store.restoreFromBackup(update.key, expectedSecret: update.secretName, entry: update, now: update.updatedAt)
                }
            } catch {
                results.append(RollbackResult(key: entry.key, secretName: entry.secretName, outcome: "failed", secretDeleted: false,
                                              reason: "restoring the registry: \(error.description)"))
                continue
            }
            switch restored {
            case .switched: break
            case .webhookMissing:
                results.append(RollbackResult(key: entry.key, secretName: entry.secretName, outcome: "failed", secretDeleted: false,
                                              reason: "the webhook no longer exists"))
                continue
            case .changed(let source, _):
                results.append(RollbackResult(key: entry.key, secretName: entry.secretName, outcome: "failed", secretDeleted: false,
                                              reason: "the webhook no longer points at \(entry.secretName) (now \(source.rawValue)): left as it is"))
                continue
            }
            await credentials.invalidate(code: entry.key.code, direction: entry.key.direction)
            if deleteSecret {
                if entry.createdSecret {
                    do throws(CredentialSourceError) {
                        result.secretDeleted = try await infisical.deleteSecret(entry.secretName)
                        if !result.secretDeleted { result.reason = "Infisical had no secret \(entry.secretName) any more" }
                    } catch {
                        result.reason = "the registry is restored, but deleting \(entry.secretName) failed: \(error.description)"
                    }
                } else {
                    result.reason = "\(entry.secretName) was left in Infisical: the migration did not create it (it existed, or was only overwritten)"
                }
            }
            audit?.recordMigration(peer, event: "migrate.rollback", key: entry.key, fields: [
                "outcome": "rolled_back", "secret_name": .string(entry.secretName), "secret_deleted": .bool(result.secretDeleted),
            ])
            results.append(result)
        }
        return results
    }

    /// `migrate.status`: every journaled webhook, and those still in `from` as `planned`.
    func status(codes: [String]?, from source: CredentialSourceKind) async throws(RPCError) -> [JSONValue] {
        let journal = try await entries(codes: codes)
        var rows: [JSONValue] = journal.map(Self.statusRow)
        let journaled = Set(journal.map(\.key))
        let webhooks: [Webhook]
        do throws(StoreError) {
            webhooks = try await registry.list(direction: nil)
        } catch {
            throw RPCError(.internalError, "the webhook registry could not be read: \(error.description)")
        }
        for webhook in webhooks where webhook.credentialSource == source && webhook.authType != .none && !journaled.contains(webhook.key) {
            guard codes.map({ $0.contains(webhook.key.code) }) ?? true else { continue }
            rows.append([
                "code": .string(webhook.key.code), "direction": .string(webhook.key.direction.rawValue), "state": "planned",
                "source": .string(source.rawValue), "secret_name": .string(naming.name(for: webhook.key)),
            ])
        }
        return rows
    }

    private static func statusRow(_ entry: MigrationJournalEntry) -> JSONValue {
        var row: JSONObject = [
            "code": .string(entry.key.code), "direction": .string(entry.key.direction.rawValue), "state": .string(entry.state.rawValue),
            "secret_name": .string(entry.secretName), "secret_path": .string(entry.secretPath), "environment": .string(entry.environment),
            "written": .bool(entry.written), "created_secret": .bool(entry.createdSecret), "updated_at": .string(entry.updatedAt),
        ]
        if let step = entry.step { row["step"] = .string(step.rawValue) }
        if let reason = entry.reason { row["reason"] = .string(reason) }
        if let before = entry.validationBefore { row["validation_before"] = .string(before) }
        return .object(row)
    }

    private func entries(codes: [String]?) async throws(RPCError) -> [MigrationJournalEntry] {
        do throws(StoreError) {
            let all = try await registry.reading { store throws(StoreError) in try store.migrationEntries() }
            return all.filter { entry in codes.map { $0.contains(entry.key.code) } ?? true }
        } catch {
            throw RPCError(.internalError, "the migration journal could not be read: \(error.description)")
        }
    }
}
