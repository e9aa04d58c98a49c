import HookCore
@testable import HookStore
import Testing

/// No error ever carries a bound or stored value: those may be secrets.
struct StoreErrorSecrecyTests {
    @Test func aFailedUpsertNamesTheWebhookButNotTheSecret() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try databaseDefinition("LEGACY", value: "sk_fake_OLDSECRET"), now: t1)
            // Another writer makes every later write fail after the secret is bound.
            try SQLiteDatabase(path: path).execute("""
                CREATE TRIGGER refuse_insert BEFORE INSERT ON webhooks BEGIN SELECT RAISE(ABORT, 'writes refused'); END;
                CREATE TRIGGER refuse_update BEFORE UPDATE ON webhooks BEGIN SELECT RAISE(ABORT, 'writes refused'); END;
                """, operation: "test: refuse writes")
            for code in ["LEGACY", "FRESH"] {
                let error = try #require(throws: StoreError.self) {
                    try store.upsert(try databaseDefinition(code, value: "sk_fake_NEWSECRET"), now: t2)
                }
                #expect(error.code == .sqlite)
                #expect(error.description.contains("upsert webhook \(code)/OUT"))
                #expect(error.description.contains("writes refused"))
                #expect(!error.description.contains("SECRET"))
                #expect(!"\(error)".contains("SECRET"))
            }
            #expect(try store.legacyCredential(for: key("LEGACY")) == "sk_fake_OLDSECRET", "the failed write changed nothing")
        }
    }

    @Test func aConstraintViolationShowsTheConstraintNotTheValues() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            _ = try WebhookStore(path: path)
            let database = try SQLiteDatabase(path: path)
            let statement = try database.prepare("""
                INSERT INTO webhooks (code, direction, type, method, auth_type, credential_source, legacy_credential,
                                      timeout_seconds, enabled, created_at, updated_at)
                VALUES ('X', 'OUT', 'HTTP', 'POST', 'bearer', 'env', ?1, 10, 1, ?2, ?2)
                """, operation: "test: insert a secret for the wrong source")
            try statement.bind([.text("sk_fake_CHECKSECRET"), .text("2025-SECRET-TIME")])
            let error = try #require(throws: StoreError.self) { try statement.run() }
            #expect(error.sqliteResultCode == 275, "SQLITE_CONSTRAINT_CHECK")
            #expect(error.description.contains("legacy_credential_only_for_database"))
            #expect(!error.description.contains("SECRET"))
        }
    }

    @Test func aPrimaryKeyViolationShowsTheColumnsNotTheValues() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try databaseDefinition("TAKEN", value: "sk_fake_FIRST"), now: t1)
            let statement = try SQLiteDatabase(path: path).prepare("""
                INSERT INTO webhooks (code, direction, type, method, auth_type, credential_source, legacy_credential,
                                      timeout_seconds, enabled, created_at, updated_at)
                VALUES (?1, 'OUT', 'HTTP', 'POST', 'bearer', 'database', ?2, 10, 1, 'now', 'now')
                """, operation: "test: insert a duplicate")
            try statement.bind([.text("TAKEN"), .text("sk_fake_DUPSECRET")])
            let error = try #require(throws: StoreError.self) { try statement.run() }
            #expect(error.description.contains("UNIQUE constraint failed: webhooks.code, webhooks.direction"))
            #expect(!error.description.contains("SECRET"))
        }
    }

    @Test func aBindFailureNamesThePositionNotTheValue() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            let statement = try database.prepare("SELECT ?1", operation: "test: bind too many")
            let error = try #require(throws: StoreError.self) {
                try statement.bind([.text("one"), .text("sk_fake_BINDSECRET")])
            }
            #expect(error.description.contains("parameter 2"))
            #expect(!error.description.contains("SECRET"))
        }
    }
}
