import HookCore
import HookJSON
@testable import HookStore
import Testing

/// The `database` credential source: its secret lives beside the record, never in it.
struct WebhookStoreLegacyCredentialTests {
    @Test func theValueIsStoredForTheDatabaseSource() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("LEGACY", value: "sk_fake_first"), now: t1)
            #expect(try store.legacyCredential(for: key("LEGACY")) == "sk_fake_first")
            #expect(try store.hasLegacyCredential(key("LEGACY")))
            #expect(!(try store.webhook(key("LEGACY"))?.json.compactText ?? "").contains("sk_fake_first"))
        }
    }

    @Test func anUpdateWithoutAValueKeepsTheStoredOneAndANewValueReplacesIt() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("LEGACY", value: "sk_fake_first"), now: t1)
            try store.upsert(try databaseDefinition("LEGACY", value: nil), now: t2)
            #expect(try store.legacyCredential(for: key("LEGACY")) == "sk_fake_first")
            try store.upsert(try databaseDefinition("LEGACY", value: "sk_fake_second"), now: t3)
            #expect(try store.legacyCredential(for: key("LEGACY")) == "sk_fake_second")
        }
    }

    @Test func changingTheSourceClearsTheValue() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("LEGACY", value: "sk_fake_first"), now: t1)
            try store.upsert(try definition("LEGACY", "OUT", ["credential": ["source": "infisical"]]), now: t2)
            #expect(try store.legacyCredential(for: key("LEGACY")) == nil)
            #expect(try store.hasLegacyCredential(key("LEGACY")) == false)
            // Back to database without a value: nothing comes back from before.
            try store.upsert(try databaseDefinition("LEGACY", value: nil), now: t3)
            #expect(try store.legacyCredential(for: key("LEGACY")) == nil)
        }
    }

    @Test func aValueOnAnotherSourceIsNeverStored() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            // WebhookDefinition(json:) refuses this; a caller editing the struct must not get it stored.
            var smuggled = try definition("ENVY", "OUT", ["credential": ["source": "env"]])
            smuggled.legacyCredentialValue = "sk_fake_smuggled"
            try store.upsert(smuggled, now: t1)
            #expect(try store.legacyCredential(for: key("ENVY")) == nil)
            #expect(try store.hasLegacyCredential(key("ENVY")) == false)
        }
    }

    @Test func aDatabaseSourceWithoutAValueHasNone() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("EMPTY", value: nil), now: t1)
            #expect(try store.hasLegacyCredential(key("EMPTY")) == false)
            #expect(try store.hasLegacyCredential(key("MISSING")) == false)
            #expect(try store.legacyCredential(for: key("MISSING")) == nil)
        }
    }
}
