import Foundation
import HookCore
@testable import HookStore
import Testing

/// A moment to start the tests' clocks at (2025-11-24T16:00:00Z); every test passes `now` itself.
let deliveryT0: Double = 1_764_000_000

/// A delivery to `code` with a small JSON body.
func newDelivery(
    _ code: String = "ORDERS", key: String? = nil, body: String = #"{"order":1}"#, headers: [String: String] = [:],
    messageID: DeliveryRecord.ID? = nil, replayOf: DeliveryRecord.ID? = nil
) -> NewDelivery {
    NewDelivery(
        code: code, headers: headers, body: Array(body.utf8), contentType: "application/json", idempotencyKey: key,
        messageID: messageID, replayOf: replayOf)
}

/// A store on a fresh file in a temporary directory.
func withDeliveryStore<Result>(
    limits: DeliveryQueueLimits = DeliveryQueueLimits(), _ body: (DeliveryStore, String) throws -> Result
) throws -> Result {
    try withTemporaryDirectory { directory in
        let path = directory + "/state/deliveries.db"
        return try body(try DeliveryStore(path: path, limits: limits), path)
    }
}

extension DeliveryStore {
    /// Enqueues one delivery that must be accepted as new.
    @discardableResult
    func enqueueNew(_ delivery: NewDelivery = newDelivery(), now: Double = deliveryT0) throws -> DeliveryRecord {
        let results = try enqueue([delivery], now: now)
        guard results.count == 1, case .enqueued(let record) = results[0] else {
            throw DeliveryTestFailure("expected one new delivery, got \(results)")
        }
        return record
    }

    /// Claims and records one attempt with `outcome`; the record afterwards.
    @discardableResult
    func attempt(
        _ id: DeliveryRecord.ID, number: Int, at: Double, statusCode: Int? = 200, error: String? = nil,
        outcome: DeliveryAttempt.Outcome
    ) throws -> DeliveryRecord {
        let attempt = DeliveryAttempt(number: number, at: at, statusCode: statusCode, durationMilliseconds: 12.5, error: error)
        guard let record = try recordAttempt(id, attempt, outcome: outcome) else {
            throw DeliveryTestFailure("no delivery \(id)")
        }
        return record
    }

    /// Every delivery in the store, newest first, following the cursor to the end.
    func listAll(code: String? = nil, status: DeliveryStatus? = nil, since: Double? = nil, pageSize: Int = 7) throws -> [DeliveryRecord] {
        var all: [DeliveryRecord] = []
        var cursor: DeliveryRecord.ID?
        repeat {
            let page = try list(code: code, status: status, since: since, limit: pageSize, cursor: cursor)
            #expect(page.records.count <= pageSize)
            all += page.records
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }
}

/// A test's own failure, with a sentence.
struct DeliveryTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A seeded generator (SplitMix64), so id tests can repeat their random bits.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A single number from SQL on a second connection to the store's file (what is on disk).
func count(_ sql: String, in path: String) throws -> Int {
    Int(try SQLiteDatabase(path: path).singleText(sql, operation: "test: count") ?? "") ?? -1
}
