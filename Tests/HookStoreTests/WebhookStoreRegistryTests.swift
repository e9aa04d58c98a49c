import HookCore
import HookJSON
@testable import HookStore
import Testing

/// Storing, reading, listing and deleting webhooks.
struct WebhookStoreRegistryTests {
    @Test func everyFieldSurvivesARoundTrip() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let http = try definition("STRIPE_PAYMENT", "OUT", [
                "url": "https://api.example.test/v1/charges?mode=live", "method": "put", "auth_type": "hmac",
                "credential": ["source": "env", "ref": "STRIPE_SIGNING"],
                "headers": ["X-Tenant": "acme", "Content-Type": "application/json; charset=utf-8", "X-Quote": "it's \"quoted\""],
                "timeout_seconds": 2.5, "enabled": false, "description": "Paiements — Stripe 💳",
            ])
            let service = try definition("INTERNAL_SYNC", "IN", [
                "type": "SERVICE", "url": .null, "auth_type": "none", "credential": ["source": "file"], "timeout_seconds": 300,
            ])
            for item in [http, service] {
                let stored = try store.upsert(item, now: t1)
                var expected = item.webhook
                expected.createdAt = t1
                expected.updatedAt = t1
                #expect(stored == expected)
                #expect(try store.webhook(item.webhook.key) == expected)
            }
            let read = try #require(try store.webhook(key("STRIPE_PAYMENT")))
            #expect(read.method == "PUT")
            #expect(read.credentialReference == "STRIPE_SIGNING")
            #expect(read.headers["X-Quote"] == "it's \"quoted\"")
            #expect(read.timeoutSeconds == 2.5)
            #expect(read.enabled == false)
            let sync = try #require(try store.webhook(key("INTERNAL_SYNC", .inbound)))
            #expect(sync.type == .service && sync.url == nil && sync.authType == AuthType.none)
            #expect(sync.credentialReference == "webhook-internal_sync-in")
        }
    }

    @Test func alertingOverridesAndValidateMethodSurviveARoundTrip() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let tuned = try definition("TUNED", "OUT", [
                "alerting": ["min_calls": 2, "latency_threshold_seconds": 0.75, "enabled": false], "validate_method": "OPTIONS",
            ])
            let stored = try store.upsert(tuned, now: t1)
            #expect(stored.alerting == AlertOverrides(enabled: false, minCalls: 2, latencyThresholdSeconds: 0.75))
            #expect(stored.validateMethod == "OPTIONS")
            let cleared = try store.upsert(try definition("TUNED", "OUT"), now: t2)
            #expect(cleared.alerting.isEmpty && cleared.validateMethod == "HEAD")
        }
    }

    @Test func aVersion1RegistryIsMigratedAndItsWebhooksKeepEveryField() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let version1 = try SQLiteDatabase(path: path, create: true)
            _ = try version1.migrate(Array(WebhookStore.migrations.prefix(1)))
            try version1.execute("""
                INSERT INTO webhooks (code, direction, type, url, method, auth_type, credential_source, credential_ref,
                                      headers, timeout_seconds, enabled, description, created_at, updated_at)
                VALUES ('OLD', 'OUT', 'HTTP', 'https://old.example.test', 'POST', 'bearer', 'env', 'OLD_TOKEN',
                        '{}', 10, 1, 'from v1', '\(t1)', '\(t1)')
                """, operation: "test: a v1 row")
            let store = try WebhookStore(path: path)
            #expect(store.appliedMigrations == [2, 3, 4, 5, 6])
            let old = try #require(try store.webhook(key("OLD")))
            #expect(old.description == "from v1" && old.credentialReference == "OLD_TOKEN")
            #expect(old.alerting.isEmpty && old.validateMethod == "HEAD")
            #expect(!old.allowInsecureHTTP, "clear text must be allowed explicitly, also for webhooks stored before v3")
            #expect(old.delivery.isEmpty, "a webhook stored before v4 has the global delivery settings")
        }
    }

    @Test func allowInsecureHTTPIsStoredReadAndCleared() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let insecure = try WebhookDefinition(json: [
                "code": "PLAIN", "url": "http://plain.example.test/hook", "auth_type": "bearer", "allow_insecure_http": true,
            ])
            #expect(try store.upsert(insecure, now: t1).allowInsecureHTTP)
            #expect(try store.webhook(key("PLAIN"))?.allowInsecureHTTP == true)
            let secure = try WebhookDefinition(json: ["code": "PLAIN", "url": "http://plain.example.test/hook", "auth_type": "bearer"])
            #expect(try store.upsert(secure, now: t2).allowInsecureHTTP == false)
            #expect(try store.webhook(key("PLAIN"))?.allowInsecureHTTP == false)
        }
    }

    @Test func aDatabaseSourcedWebhookHasNoReference() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let stored = try store.upsert(try databaseDefinition("LEGACY", value: "s3cr3t"), now: t1)
            #expect(stored.credentialSource == .database)
            #expect(stored.credentialReference == nil)
            #expect(try store.webhook(key("LEGACY"))?.credentialReference == nil)
        }
    }

    @Test func anUpdateKeepsCreatedAtAndChangesUpdatedAt() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try definition("ORDERS", "OUT", ["description": "first"]), now: t1)
            let updated = try store.upsert(try definition("ORDERS", "OUT", ["description": "second", "method": "PATCH"]), now: t2)
            #expect(updated.createdAt == t1)
            #expect(updated.updatedAt == t2)
            #expect(updated.description == "second")
            #expect(updated.method == "PATCH")
            #expect(try store.webhooks().count == 1)
        }
    }

    @Test func listingIsOrderedByCodeThenDirectionAndFiltersByDirection() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            for (code, direction) in [("B", "OUT"), ("C", "IN"), ("A", "OUT"), ("A", "IN")] {
                try store.upsert(try definition(code, direction), now: t1)
            }
            #expect(try store.webhooks().map(\.key.description) == ["A/IN", "A/OUT", "B/OUT", "C/IN"])
            #expect(try store.webhooks(direction: .inbound).map(\.key.description) == ["A/IN", "C/IN"])
            #expect(try store.webhooks(direction: .outbound).map(\.key.description) == ["A/OUT", "B/OUT"])
        }
    }

    @Test func deleteSaysWhetherTheWebhookExisted() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            try store.upsert(try databaseDefinition("GONE", value: "s3cr3t"), now: t1)
            try store.upsert(try definition("GONE", "IN"), now: t1)
            #expect(try store.delete(key("GONE")) == true)
            #expect(try store.delete(key("GONE")) == false)
            #expect(try store.webhook(key("GONE")) == nil)
            #expect(try store.legacyCredential(for: key("GONE")) == nil)
            #expect(try store.webhook(key("GONE", .inbound)) != nil, "the other direction stays")
        }
    }

    @Test func aMissingWebhookIsNil() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            #expect(try store.webhook(key("NOPE")) == nil)
            #expect(try store.webhooks().isEmpty)
        }
    }

    @Test func sqlInTextIsStoredLiterally() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let hostile = "'; DROP TABLE webhooks; --"
            try store.upsert(try definition("INJECT", "OUT", [
                "description": .string(hostile), "url": "https://example.test/?q=1'--", "headers": ["X-Evil": .string(hostile)],
            ]), now: "'); DELETE FROM webhooks; --")
            try store.upsert(try definition("OTHER"), now: t1)
            let stored = try #require(try store.webhook(key("INJECT")))
            #expect(stored.description == hostile)
            #expect(stored.url == "https://example.test/?q=1'--")
            #expect(stored.headers["X-Evil"] == hostile)
            #expect(stored.createdAt == "'); DELETE FROM webhooks; --")
            #expect(try store.webhooks().count == 2)
        }
    }

    @Test func aRowWrittenByANewerVersionIsAnErrorNamingRowAndColumn() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try definition("FUTURE"), now: t1)
            try SQLiteDatabase(path: path).execute(
                "UPDATE webhooks SET auth_type = 'mtls' WHERE code = 'FUTURE'", operation: "test: write a future auth_type")
            let error = try #require(throws: StoreError.self) { try store.webhook(key("FUTURE")) }
            #expect(error.code == .undecodableRow)
            #expect(error.description.contains("FUTURE/OUT"))
            #expect(error.description.contains("auth_type"))
            #expect(error.description.contains("'mtls'"))
            #expect(throws: StoreError.self) { try store.webhooks() }
        }
    }

    @Test func malformedHeadersAreAnErrorNamingTheColumn() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try definition("BROKEN", "IN"), now: t1)
            try SQLiteDatabase(path: path).execute("UPDATE webhooks SET headers = '[1, 2'", operation: "test: break headers")
            let error = try #require(throws: StoreError.self) { try store.webhook(key("BROKEN", .inbound)) }
            #expect(error.description.contains("BROKEN/IN"))
            #expect(error.description.contains("column headers"))
        }
    }
}
