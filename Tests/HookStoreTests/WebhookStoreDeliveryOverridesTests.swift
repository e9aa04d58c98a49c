import HookCore
import HookJSON
@testable import HookStore
import Testing

/// Schema v4: a webhook's own delivery settings (`retry`, `breaker`, `max_in_flight`,
/// `rate_per_second`) in one `delivery` column, '{}' for none.
struct WebhookStoreDeliveryOverridesTests {
    /// A registry file as hookd wrote it before v4: migrations 1 to 3 and one row.
    private func makeVersion3File(at path: String) throws {
        let database = try SQLiteDatabase(path: path, create: true)
        #expect(try database.migrate(Array(WebhookStore.migrations.prefix(3))) == [1, 2, 3])
        try database.execute("""
            INSERT INTO webhooks (code, direction, type, url, method, auth_type, credential_source, credential_ref,
                                  headers, timeout_seconds, enabled, description, created_at, updated_at,
                                  alerting, validate_method, allow_insecure_http)
            VALUES ('OLD', 'OUT', 'HTTP', 'https://example.test/old', 'POST', 'bearer', 'env', 'HOOKD_CRED_OLD_OUT',
                    '{}', 10, 1, 'from v3', '\(t1)', '\(t1)', '{}', 'HEAD', 0)
            """, operation: "test: a v3 row")
        #expect(try database.userVersion() == 3)
    }

    @Test func aVersion3RegistryMigratesToVersion4AndItsRowsHaveNoOverrides() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            try makeVersion3File(at: path)
            let store = try WebhookStore(path: path)
            #expect(store.appliedMigrations == [4, 5, 6])
            #expect(store.schemaVersion == 6)
            let old = try #require(try store.webhook(key("OLD")))
            #expect(old.inbound == InboundSettings(), "a webhook stored before v5 has the default inbound settings")
            #expect(old.delivery.isEmpty)
            #expect(old.description == "from v3")
            #expect(try SQLiteDatabase(path: path).singleText("SELECT delivery FROM webhooks WHERE code = 'OLD'", operation: "test") == "{}")
        }
    }

    @Test func aMigratedRegistryStoresAndReadsOverrides() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            try makeVersion3File(at: path)
            let store = try WebhookStore(path: path)
            let stored = try store.upsert(try definition("OLD", "OUT", ["max_in_flight": 2]), now: t2)
            #expect(stored.delivery.maxInFlight == 2)
            #expect(stored.createdAt == t1, "an update keeps the v3 row's creation time")
        }
    }

    @Test func overridesAreStoredAsOneJSONObjectAndReadBackTheSame() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            let tuned = try definition("TUNED", "OUT", [
                "retry": ["schedule": ["200ms", "5s"], "max_age": "1h"], "breaker": ["min_requests": 3, "cooldown": "2s"],
                "max_in_flight": 1, "rate_per_second": 0.5,
            ])
            let written = try store.upsert(tuned, now: t1)
            #expect(written.delivery == tuned.webhook.delivery)
            #expect(try store.webhook(key("TUNED"))?.delivery == tuned.webhook.delivery)
            let text = try SQLiteDatabase(path: path).singleText("SELECT delivery FROM webhooks WHERE code = 'TUNED'", operation: "test")
            #expect(try JSONValue.parse(text ?? "") == .object(tuned.webhook.delivery.json))

            // An upsert without them clears them: a definition is the whole webhook.
            let plain = try store.upsert(try definition("TUNED"), now: t2)
            #expect(plain.delivery.isEmpty)
        }
    }

    @Test func anUnreadableDeliveryColumnNamesTheColumnAndTheField() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try definition("BROKEN"), now: t1)
            try SQLiteDatabase(path: path).execute(
                #"UPDATE webhooks SET delivery = '{"max_in_flight": 0}' WHERE code = 'BROKEN'"#, operation: "test: corrupt the row")
            let error = try #require(throws: StoreError.self) { try store.webhook(key("BROKEN")) }
            #expect(error.code == .undecodableRow)
            #expect(error.description.contains("delivery"))
            #expect(error.description.contains("max_in_flight"))
        }
    }
}
