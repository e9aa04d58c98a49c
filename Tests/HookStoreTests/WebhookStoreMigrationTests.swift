import HookCore
@testable import HookStore
import Testing

/// The migration journal and the credential switch (schema v6): all or nothing, and never over a
/// credential someone changed meanwhile.
struct WebhookStoreMigrationTests {
    func entry(_ code: String, _ state: MigrationJournalEntry.State, _ step: MigrationJournalEntry.Step?) throws -> MigrationJournalEntry {
        MigrationJournalEntry(key: try key(code), state: state, step: step, secretName: "WEBHOOK_\(code)_OUT", secretPath: "/",
                              environment: "prod", valueSHA256: String(repeating: "a", count: 64), createdSecret: true, written: true,
                              validationBefore: "UNTESTED", updatedAt: t2)
    }

    @Test func theJournalKeepsEachWebhooksLatestStepAndGoesWithItsWebhook() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("A", value: "tok_fake_a"), now: t1)
            try store.upsert(try databaseDefinition("B", value: "tok_fake_b"), now: t1)
            try store.saveMigrationEntry(try entry("A", .inProgress, .writing))
            try store.saveMigrationEntry(try entry("A", .inProgress, .readingBack))
            try store.saveMigrationEntry(try entry("B", .failed, nil))
            #expect(try store.migrationEntries().map(\.step) == [.readingBack, nil])
            #expect(try store.migrationEntry(key("A")) == (try entry("A", .inProgress, .readingBack)))
            #expect(try store.migrationEntries([key("B")]).map(\.state) == [.failed])
            #expect(try store.delete(key("B")))
            #expect(try store.migrationEntry(key("B")) == nil, "a deleted webhook's journal row goes with it")
        }
    }

    @Test func switchingKeepsTheOldCredentialAndRestoringPutsItBack() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("A", value: "tok_fake_a"), now: t1)
            let switched = try entry("A", .inProgress, .invalidating)
            #expect(try store.switchToInfisical(key("A"), expected: (.database, nil), entry: switched, now: t2) == .switched)
            let moved = try #require(try store.webhook(key("A")))
            #expect(moved.credentialSource == .infisical && moved.credentialReference == "WEBHOOK_A_OUT" && moved.updatedAt == t2)
            #expect(try store.legacyCredential(for: key("A")) == nil, "the registry row no longer holds the value")
            #expect(try store.credentialBackup(key("A"))?.legacyValue == "tok_fake_a")
            #expect(try store.migrationEntry(key("A"))?.step == .invalidating)

            var rolledBack = switched
            rolledBack.state = .rolledBack
            rolledBack.step = nil
            #expect(try store.restoreFromBackup(key("A"), expectedSecret: "OTHER", entry: rolledBack, now: t3) == .changed(source: .infisical, reference: "WEBHOOK_A_OUT"))
            #expect(try store.restoreFromBackup(key("A"), expectedSecret: "WEBHOOK_A_OUT", entry: rolledBack, now: t3) == .switched)
            let restored = try #require(try store.webhook(key("A")))
            #expect(restored.credentialSource == .database && restored.credentialReference == nil)
            #expect(try store.legacyCredential(for: key("A")) == "tok_fake_a")
            #expect(try store.credentialBackup(key("A")) == nil)
            #expect(try store.migrationEntry(key("A"))?.state == .rolledBack)
        }
    }

    @Test func aSwitchOverAChangedOrMissingWebhookDoesNothing() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try definition("A", "OUT", ["credential": ["source": "env", "ref": "A_TOKEN"]]), now: t1)
            let switched = try entry("A", .inProgress, .invalidating)
            #expect(try store.switchToInfisical(key("A"), expected: (.database, nil), entry: switched, now: t2) == .changed(source: .env, reference: "A_TOKEN"))
            #expect(try store.webhook(key("A"))?.credentialSource == .env)
            #expect(try store.migrationEntry(key("A")) == nil, "the journal row is part of the same transaction")
            #expect(try store.credentialBackup(key("A")) == nil)
            #expect(try store.switchToInfisical(key("GONE"), expected: (.database, nil), entry: try entry("GONE", .inProgress, .invalidating), now: t2)
                == .webhookMissing)
            // An env credential moves too: its backup keeps the reference (the value stays in the environment).
            #expect(try store.switchToInfisical(key("A"), expected: (.env, "A_TOKEN"), entry: switched, now: t2) == .switched)
            #expect(try store.credentialBackup(key("A")).map { [$0.source.rawValue, $0.reference ?? "-", $0.legacyValue ?? "-"] } == ["env", "A_TOKEN", "-"])
        }
    }
}
