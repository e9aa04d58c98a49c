import Foundation
import HookCore
@testable import HookStore
import Testing

/// What survives a crash, and how the queue recovers from one.
///
/// A kill -9 loses the process's memory but not what it handed to the kernel: the files as the
/// kernel holds them are what the next hookd opens. Copying the files while the store is still
/// open, without closing or checkpointing it, is exactly that state — so a store that only
/// buffered a commit, or acknowledged before committing, fails these tests. (A power cut is
/// the stronger case `synchronous=FULL` covers; it cannot be simulated here.)
struct DeliveryStoreRecoveryTests {
    /// Copies the database and its write-ahead log as they are now; the `-shm` index is rebuilt
    /// from the log on open, as after a crash.
    private func snapshot(_ path: String, to copy: String) throws {
        let files = FileManager.default
        try files.copyItem(atPath: path, toPath: copy)
        if files.fileExists(atPath: path + "-wal") { try files.copyItem(atPath: path + "-wal", toPath: copy + "-wal") }
    }

    @Test func everyAcknowledgedDeliveryIsInTheFilesTheMomentEnqueueReturns() throws {
        try withDeliveryStore { store, path in
            var accepted: [DeliveryRecord.ID] = []
            for batch in 0..<20 {
                let results = try store.enqueue((0..<10).map { newDelivery(body: "\(batch)-\($0)") }, now: deliveryT0 + Double(batch))
                accepted += results.compactMap(\.record?.id)
            }
            let crashed = path + ".crashed"
            try snapshot(path, to: crashed)
            // The commits sit in the log, not yet checkpointed into the database file: the
            // recovery below really replays the log.
            #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0 > 0)

            let recovered = try DeliveryStore(path: crashed)
            let all = try recovered.listAll(pageSize: 50)
            #expect(Set(all.map(\.id)) == Set(accepted))
            #expect(all.count == 200)
            #expect(try recovered.get(accepted[137])?.record.payload?.body == Array("13-7".utf8))
        }
    }

    @Test func claimedDeliveriesLeftInFlightByACrashAreQueuedAgain() throws {
        try withDeliveryStore { store, path in
            let records = try store.enqueue((0..<6).map { newDelivery(body: "\($0)") }, now: deliveryT0).compactMap(\.record)
            let claimed = try store.claimDue(now: deliveryT0, limit: 4)
            try store.attempt(claimed[0].id, number: 1, at: deliveryT0, outcome: .delivered)
            // Crash with three deliveries in flight.
            let crashed = path + ".crashed"
            try snapshot(path, to: crashed)

            let restarted = try DeliveryStore(path: crashed)
            #expect(try restarted.stats(code: nil, now: deliveryT0 + 60).inFlight == 3)
            #expect(try restarted.requeueInFlight(now: deliveryT0 + 60) == 3)
            let stats = try restarted.stats(code: nil, now: deliveryT0 + 60)
            #expect(stats.inFlight == 0)
            #expect(stats.queued == 5)
            #expect(stats.delivered == 1)
            // All five undelivered ones go out again: the two never claimed were due first, the
            // three requeued ones are due from the restart.
            let again = try restarted.claimDue(now: deliveryT0 + 60, limit: 10)
            #expect(again.map(\.id) == [4, 5, 1, 2, 3].map { records[$0].id })
            #expect(try restarted.requeueInFlight(now: deliveryT0 + 61) == 5)
        }
    }

    @Test func closingAndReopeningWithDeliveriesInFlightThenRequeueing() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/deliveries.db"
            var ids: [DeliveryRecord.ID] = []
            do {
                let store = try DeliveryStore(path: path)
                ids = try store.enqueue([newDelivery(), newDelivery()], now: deliveryT0).compactMap(\.record?.id)
                _ = try store.claimDue(now: deliveryT0, limit: 2)
            }
            let store = try DeliveryStore(path: path)
            #expect(try store.get(ids[0])?.record.status == .inFlight, "opening alone changes nothing")
            #expect(try store.requeueInFlight(now: deliveryT0 + 30) == 2)
            let record = try #require(try store.get(ids[0])).record
            #expect(record.status == .queued)
            #expect(record.nextAttemptAt == deliveryT0 + 30, "due at once")
            #expect(try store.requeueInFlight(now: deliveryT0 + 31) == 0)
        }
    }

    @Test func anUnacknowledgedBatchIsAbsentNotHalfThere() throws {
        try withDeliveryStore { store, path in
            try store.enqueueNew(newDelivery("ACKED"))
            // The next batch dies inside its transaction (as if killed during the group commit).
            try SQLiteDatabase(path: path).execute("""
                CREATE TRIGGER die_mid_batch BEFORE INSERT ON deliveries WHEN NEW.code = 'LAST'
                BEGIN SELECT RAISE(ABORT, 'killed'); END;
                """, operation: "test: die mid batch")
            _ = try? store.enqueue([newDelivery("FIRST"), newDelivery("LAST")], now: deliveryT0 + 1)
            let crashed = path + ".crashed"
            try snapshot(path, to: crashed)
            let codes = try DeliveryStore(path: crashed).listAll().map(\.code)
            #expect(codes == ["ACKED"])
        }
    }
}
