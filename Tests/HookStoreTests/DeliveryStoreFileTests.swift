import Foundation
import HookCore
@testable import HookStore
import Testing

/// The queue's own database file: permissions, journal, durability setting, schema, reopening.
struct DeliveryStoreFileTests {
    @Test func theFileIsCreated0600InDirectoriesCreated0700() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state/hookd/deliveries.db"
            let store = try DeliveryStore(path: path)
            try store.enqueueNew()
            #expect(try permissions(of: directory + "/state") == 0o700)
            #expect(try permissions(of: directory + "/state/hookd") == 0o700)
            #expect(try permissions(of: path) == 0o600)
            #expect(try permissions(of: path + "-wal") == 0o600)
        }
    }

    @Test func theJournalIsWriteAheadLoggingWithForeignKeys() throws {
        try withDeliveryStore { _, path throws in
            #expect(try SQLiteDatabase(path: path).singleText("PRAGMA journal_mode", operation: "test") == "wal")
        }
    }

    @Test func acknowledgedCommitsAreFullAndBookkeepingNormal() throws {
        try withDeliveryStore { store, _ in
            let record = try store.enqueueNew()
            #expect(try store.synchronousSetting() == "2", "FULL: enqueue's commit was fsynced")
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            #expect(try store.synchronousSetting() == "1", "NORMAL for a claim")
            _ = try store.cancel(record.id, now: deliveryT0)
            #expect(try store.synchronousSetting() == "2", "FULL: the cancel is acknowledged too")
            _ = try store.requeueInFlight(now: deliveryT0)
            #expect(try store.synchronousSetting() == "1")
        }
    }

    @Test func reopeningKeepsEverythingAndMigratesNothing() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/deliveries.db"
            var before: [DeliveryRecordDetail] = []
            var newest: DeliveryRecord.ID?
            do {
                let first = try DeliveryStore(path: path)
                #expect(first.appliedMigrations == [1])
                #expect(first.schemaVersion == 1)
                let records = try first.enqueue(
                    [newDelivery("A", key: "k", headers: ["X-One": "1"]), newDelivery("B"), newDelivery("C")], now: deliveryT0)
                    .compactMap(\.record)
                _ = try first.claimDue(now: deliveryT0, limit: 2)
                try first.attempt(records[0].id, number: 1, at: deliveryT0, statusCode: 502, error: "http_502",
                                  outcome: .retry(at: deliveryT0 + 5))
                try first.attempt(records[1].id, number: 1, at: deliveryT0, outcome: .delivered)
                before = try records.map { try #require(try first.get($0.id)) }
                newest = records.last?.id
            }
            let second = try DeliveryStore(path: path)
            #expect(second.appliedMigrations == [])
            #expect(second.schemaVersion == DeliveryStore.supportedSchemaVersion)
            for detail in before {
                #expect(try second.get(detail.record.id) == detail)
            }
            // The idempotency key still answers, and new ids still sort after the old ones even
            // when this hookd's clock is behind.
            #expect(try second.enqueue([newDelivery("A", key: "k")], now: deliveryT0 + 1).first?.record?.id == before[0].record.id)
            let later = try second.enqueueNew(now: deliveryT0 - 3600)
            #expect(try #require(newest) < later.id)
        }
    }

    @Test func aDatabaseFromANewerHookdIsRefusedAndLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/deliveries.db"
            do {
                let database = try SQLiteDatabase(path: path, create: true)
                try database.execute("PRAGMA user_version = 7", operation: "test: pretend a newer hookd")
            }
            let error = try #require(throws: StoreError.self) { try DeliveryStore(path: path) }
            #expect(error.code == .schemaTooNew)
            #expect(error.description.contains("schema version 7"))
            #expect(error.description.contains("delivery.queue_path"))
            #expect(!error.description.contains("store.path"))
            let database = try SQLiteDatabase(path: path)
            #expect(try database.userVersion() == 7)
            #expect(try database.singleText("SELECT count(*) FROM sqlite_schema", operation: "test") == "0")
        }
    }

    @Test func anUncreatableDirectoryIsAFileSystemError() throws {
        try withTemporaryDirectory { directory in
            #expect(FileManager.default.createFile(atPath: directory + "/plain", contents: Data()))
            let error = try #require(throws: StoreError.self) { try DeliveryStore(path: directory + "/plain/deliveries.db") }
            #expect(error.code == .fileSystem)
        }
    }

    @Test func anUnknownStatusIsReportedAsUndecodableNotGuessed() throws {
        try withDeliveryStore { store, path in
            let record = try store.enqueueNew()
            try SQLiteDatabase(path: path).execute(
                "UPDATE deliveries SET status = 'paused_by_newer_hookd'", operation: "test: a newer status")
            let error = try #require(throws: StoreError.self) { try store.get(record.id) }
            #expect(error.code == .undecodableRow)
            #expect(error.description.contains("read delivery \(record.id)"))
            #expect(error.description.contains("column status"))
            // Counting skips what it does not know instead of failing.
            #expect(try store.stats(code: nil, now: deliveryT0) == DeliveryQueueStats())
        }
    }

    @Test func healthIsNilWhenFineAndAReasonWhenNot() throws {
        try withDeliveryStore { store, path in
            #expect(store.checkHealth() == nil)
            try SQLiteDatabase(path: path).execute(
                "DROP TABLE delivery_attempts; DROP TABLE delivery_payloads; DROP TABLE deliveries", operation: "test: break the store")
            #expect(store.checkHealth()?.contains("no such table") == true)
        }
    }
}
