import HookCore
import HookInfisical
import HookJSON
import HookRPC
import HookStore

extension MigrationService {
    /// What a run did (or, dry, would do) to one webhook.
    struct RunResult: Sendable {
        var key: WebhookKey
        var secretName: String
        var outcome: Outcome
        /// A write was sent to Infisical (false when the secret already held the value).
        var written: Bool
        var reason: String?
    }

    /// `migrate.run`: migrates every planned webhook, `concurrency` at a time, and finishes the
    /// ones a crash left switched but not yet invalidated. A dry run plans and writes nothing.
    func run(codes: [String]?, direction: WebhookDirection?, from source: CredentialSourceKind, dryRun: Bool, overwrite: Bool,
             concurrency: Int, peer: Peer) async throws(RPCError) -> [RunResult] {
        let infisical = try requireInfisical()
        // A dry run reports what the target holds; a real one reads the target again anyway, just before writing.
        let rows = try await plan(codes: codes, direction: direction, from: source, checkingTargets: dryRun, concurrency: concurrency)
        if dryRun { return rows.map { Self.dryResult($0, overwrite: overwrite) } }
        let journal: [MigrationJournalEntry]
        do throws(StoreError) {
            journal = try await registry.reading { store throws(StoreError) in try store.migrationEntries() }
                .filter { entry in (codes.map { $0.contains(entry.key.code) } ?? true) && (direction.map { $0 == entry.key.direction } ?? true) }
        } catch {
            throw RPCError(.internalError, "the migration journal could not be read: \(error.description)")
        }
        var results: [RunResult] = []
        // Switched before a crash, not yet invalidated: only the last step is left.
        for entry in journal where entry.state == .inProgress && entry.step == .invalidating {
            results.append(await finish(entry, peer: peer, resumed: true))
        }
        // Named, and moved by an earlier run.
        let planned = Set(rows.map(\.webhook.key))
        for entry in journal where codes != nil && entry.state == .migrated && !planned.contains(entry.key) {
            results.append(RunResult(key: entry.key, secretName: entry.secretName, outcome: .skipped, written: false,
                                     reason: "already migrated to \(entry.secretName)"))
        }
        let ordered = await rows.concurrentMap(limit: concurrency) { row in
            await self.migrate(row, overwrite: overwrite, infisical: infisical, peer: peer)
        }
        return results + ordered
    }

    private static func dryResult(_ row: PlanRow, overwrite: Bool) -> RunResult {
        let key = row.webhook.key
        switch row.action {
        case .create: return RunResult(key: key, secretName: row.secretName, outcome: .migrated, written: true)
        case .skipSame: return RunResult(key: key, secretName: row.secretName, outcome: .migrated, written: false)
        case .conflict where overwrite: return RunResult(key: key, secretName: row.secretName, outcome: .migrated, written: true)
        case .conflict: return RunResult(key: key, secretName: row.secretName, outcome: .conflict, written: false, reason: conflictReason(row.secretName))
        case .unreadable: return RunResult(key: key, secretName: row.secretName, outcome: .failed, written: false, reason: row.reason)
        }
    }

    private static func conflictReason(_ name: String) -> String {
        "Infisical's \(name) holds a different value; it is never overwritten without overwrite (--overwrite)"
    }

    /// One webhook, step by step, each step journaled before the next.
    private func migrate(_ row: PlanRow, overwrite: Bool, infisical: InfisicalClient, peer: Peer) async -> RunResult {
        let key = row.webhook.key
        let name = row.secretName
        guard let value = row.canonicalValue, let digest = row.digest else {
            return RunResult(key: key, secretName: name, outcome: .failed, written: false, reason: row.reason)
        }
        if row.action == .conflict && !overwrite {
            return RunResult(key: key, secretName: name, outcome: .conflict, written: false, reason: Self.conflictReason(name))
        }
        let previous = try? await registry.reading { store throws(StoreError) in try store.migrationEntry(key) }
        // A resumed run of the same move keeps what the interrupted one knew.
        let resumed = previous.flatMap { $0.secretName == name && $0.valueSHA256 == digest && $0.state != .rolledBack ? $0 : nil }
        var validationBefore = resumed?.validationBefore
        if validationBefore == nil { validationBefore = await validationStatus(key) }
        var entry = MigrationJournalEntry(
            key: key, state: .inProgress, step: .writing, secretName: name, secretPath: settings.secretPath, environment: settings.environment,
            valueSHA256: digest, createdSecret: resumed?.createdSecret ?? false, written: resumed?.written ?? false,
            validationBefore: validationBefore, updatedAt: Self.now())
        func fail(_ outcome: Outcome, _ reason: String) async -> RunResult {
            entry.state = .failed
            entry.step = nil
            entry.reason = reason
            entry.updatedAt = Self.now()
            try? await save(entry)
            audit?.recordMigration(peer, event: "migrate.run", key: key, fields: ["outcome": .string(outcome.rawValue), "secret_name": .string(name)])
            return RunResult(key: key, secretName: name, outcome: outcome, written: entry.written, reason: reason)
        }
        do throws(MigrationFailure) {
            try await save(entry)
            // The target is read again here: the plan may be old, and a resumed run must not write twice.
            let existing = try await readTarget(name, infisical: infisical)
            if let existing {
                if Self.digest(of: existing, for: row.webhook) != digest {
                    guard overwrite else { return await fail(.conflict, Self.conflictReason(name)) }
                    guard try await update(name, value: value, infisical: infisical) else {
                        return await fail(.failed, "Infisical's \(name) vanished while it was being overwritten; run again")
                    }
                    entry.written = true
                    entry.createdSecret = false
                }
            } else {
                // Journaled before the write: a crash after it still knows the migration made the secret.
                entry.createdSecret = true
                try await save(entry)
                switch try await create(name, value: value, infisical: infisical) {
                case .created:
                    entry.written = true
                case .alreadyExists:
                    // Taken between the read and the write: by our own write whose answer was lost
                    // (a 5xx, retried), when it holds our value; by someone else otherwise.
                    guard let now = try await readTarget(name, infisical: infisical), Self.digest(of: now, for: row.webhook) == digest else {
                        entry.createdSecret = false
                        return await fail(.conflict, Self.conflictReason(name))
                    }
                    entry.written = true
                }
            }
            entry.step = .readingBack
            try await save(entry)
            // Through the normal read path, as every credential.get will read it from now on.
            let readBack: String?
            do throws(CredentialSourceError) {
                readBack = try await infisical.read(name, for: row.webhook)
            } catch {
                return await fail(.failed, "reading \(name) back: \(error.description); the webhook stays on its old source")
            }
            guard let readBack, Self.digest(of: readBack, for: row.webhook) == digest else {
                return await fail(.failed, "read-back mismatch: Infisical's \(name) does not hold the value written; the webhook stays on its old source")
            }
            entry.step = .invalidating
            entry.updatedAt = Self.now()
            let switched: WebhookStore.SwitchOutcome
            do throws(StoreError) {
                let expected = (source: row.webhook.credentialSource, reference: row.webhook.credentialReference)
                let switchedEntry = entry
                switched = try await registry.changing { store throws(StoreError) in
                    try store.switchToInfisical(key, expected: expected, entry: switchedEntry, now: switchedEntry.updatedAt)
                }
            } catch {
                return await fail(.failed, "switching the registry: \(error.description)")
            }
            switch switched {
            case .switched: return await finish(entry, peer: peer, resumed: false)
            case .webhookMissing: return await fail(.failed, "the webhook was deleted during the migration")
            case .changed(let source, _): return await fail(.failed, "the webhook's credential changed during the migration (now \(source.rawValue)); plan again")
            }
        } catch {
            return await fail(.failed, error.description)
        }
    }

    /// The last step of a switched webhook: every cache forgets the old credential, the new one
    /// is read once (warm), the journal says migrated, the audit log has its line.
    private func finish(_ switched: MigrationJournalEntry, peer: Peer, resumed: Bool) async -> RunResult {
        var entry = switched
        let key = entry.key
        await credentials.invalidate(code: key.code, direction: key.direction)
        var warmed = true
        do throws(CredentialError) {
            _ = try await credentials.lookup(key)
        } catch {
            warmed = false
            logger.warning("migrate: \(key) switched to Infisical's \(entry.secretName) but warming it failed: \(error.description)")
        }
        entry.state = .migrated
        entry.step = nil
        entry.reason = nil
        entry.updatedAt = Self.now()
        try? await save(entry)
        audit?.recordMigration(peer, event: "migrate.run", key: key, fields: [
            "outcome": "migrated", "secret_name": .string(entry.secretName), "written": .bool(entry.written),
            "created_secret": .bool(entry.createdSecret), "resumed": .bool(resumed), "warmed": .bool(warmed),
        ])
        return RunResult(key: key, secretName: entry.secretName, outcome: .migrated, written: entry.written)
    }

    func save(_ entry: MigrationJournalEntry) async throws(MigrationFailure) {
        do throws(StoreError) {
            try await registry.reading { store throws(StoreError) in try store.saveMigrationEntry(entry) }
        } catch {
            throw MigrationFailure("journaling \(entry.key): \(error.description)")
        }
    }

    private func readTarget(_ name: String, infisical: InfisicalClient) async throws(MigrationFailure) -> String? {
        do throws(CredentialSourceError) {
            return try await infisical.readSecret(name)
        } catch {
            throw MigrationFailure(error.description)
        }
    }

    private func create(_ name: String, value: String, infisical: InfisicalClient) async throws(MigrationFailure) -> InfisicalClient.CreateOutcome {
        do throws(CredentialSourceError) {
            return try await infisical.createSecret(name, value: value)
        } catch {
            throw MigrationFailure(error.description)
        }
    }

    private func update(_ name: String, value: String, infisical: InfisicalClient) async throws(MigrationFailure) -> Bool {
        do throws(CredentialSourceError) {
            return try await infisical.updateSecret(name, value: value)
        } catch {
            throw MigrationFailure(error.description)
        }
    }

    /// `validate.one`'s status now, kept so that verify can tell a change the migration made.
    func validationStatus(_ key: WebhookKey) async -> String {
        do throws(CredentialError) {
            return try await validation.validate(key).status.rawValue
        } catch {
            return ValidationStatus.error.rawValue
        }
    }
}
