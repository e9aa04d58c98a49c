import Foundation
import HookCore
@testable import HookStore
import Testing

/// The database file: permissions, journal mode, schema versions, health.
struct WebhookStoreFileTests {
    @Test func theFileIsCreated0600InDirectoriesCreated0700() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state/hookd/registry.db"
            let store = try WebhookStore(path: path)
            try store.upsert(try databaseDefinition("LEGACY", value: "s3cr3t"), now: t1)
            #expect(try permissions(of: directory + "/state") == 0o700)
            #expect(try permissions(of: directory + "/state/hookd") == 0o700)
            #expect(try permissions(of: path) == 0o600)
            // SQLite gives the write-ahead log the database file's permissions.
            #expect(try permissions(of: path + "-wal") == 0o600)
        }
    }

    @Test func anExistingFilesPermissionsAreLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            _ = try WebhookStore(path: path)
            #expect(chmod(path, 0o640) == 0)
            _ = try WebhookStore(path: path)
            #expect(try permissions(of: path) == 0o640)
        }
    }

    @Test func anUncreatableDirectoryIsAFileSystemError() throws {
        try withTemporaryDirectory { directory in
            #expect(FileManager.default.createFile(atPath: directory + "/plain", contents: Data()))
            let error = try #require(throws: StoreError.self) { try WebhookStore(path: directory + "/plain/registry.db") }
            #expect(error.code == .fileSystem)
            #expect(error.description.contains(directory + "/plain"))
        }
    }

    @Test func theJournalIsWriteAheadLogging() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            _ = try WebhookStore(path: path)
            let mode = try SQLiteDatabase(path: path).singleText("PRAGMA journal_mode", operation: "test: read journal_mode")
            #expect(mode == "wal")
        }
    }

    @Test func theConnectionSettingsAreApplied() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            try database.configure()
            #expect(try database.singleText("PRAGMA synchronous", operation: "test") == "1", "NORMAL is 1")
            #expect(try database.singleText("PRAGMA foreign_keys", operation: "test") == "1")
            #expect(try database.singleText("PRAGMA busy_timeout", operation: "test") == "5000")
        }
    }

    @Test func reopeningKeepsTheDataAndMigratesNothing() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            do {
                let first = try WebhookStore(path: path)
                #expect(first.appliedMigrations == [1, 2, 3, 4, 5, 6])
                #expect(first.schemaVersion == 6)
                try first.upsert(try databaseDefinition("KEPT", value: "s3cr3t"), now: t1)
            }
            let second = try WebhookStore(path: path)
            #expect(second.appliedMigrations == [])
            #expect(second.schemaVersion == 6)
            #expect(second.schemaVersion == WebhookStore.supportedSchemaVersion)
            #expect(try second.webhook(key("KEPT"))?.createdAt == t1)
            #expect(try second.legacyCredential(for: key("KEPT")) == "s3cr3t")
            #expect(try SQLiteDatabase(path: path).userVersion() == 6)
        }
    }

    @Test func aDatabaseFromANewerHookdIsRefusedAndLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            do {
                let database = try SQLiteDatabase(path: path, create: true)
                try database.execute("PRAGMA user_version = 99", operation: "test: pretend a newer hookd")
            }
            let error = try #require(throws: StoreError.self) { try WebhookStore(path: path) }
            #expect(error.code == .schemaTooNew)
            #expect(error.description.contains("schema version 99"))
            #expect(error.description.contains("newer"))
            let database = try SQLiteDatabase(path: path)
            #expect(try database.userVersion() == 99)
            #expect(try database.singleText("SELECT count(*) FROM sqlite_schema", operation: "test") == "0")
        }
    }

    @Test func healthIsNilWhenFineAndAReasonWhenNot() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/registry.db"
            let store = try WebhookStore(path: path)
            #expect(store.checkHealth() == nil)
            try SQLiteDatabase(path: path).execute("DROP TABLE webhooks", operation: "test: break the store")
            let reason = try #require(store.checkHealth())
            #expect(reason.contains("no such table"))
        }
    }
}
