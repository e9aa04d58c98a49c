import HookCore
@testable import HookStore
import Testing

/// A delivery's way through the queue: queued, claimed, attempted, final.
struct DeliveryStoreLifecycleTests {
    @Test func aNewDeliveryIsQueuedDueAtOnceWithItsOwnIdAsMessageId() throws {
        try withDeliveryStore { store, _ in
            let record = try store.enqueueNew(newDelivery(headers: ["X-Trace": "abc"]))
            #expect(record.status == .queued)
            #expect(record.createdAt == deliveryT0)
            #expect(record.nextAttemptAt == deliveryT0)
            #expect(record.attemptCount == 0)
            #expect(record.messageID == record.id)
            #expect(record.replayOf == nil)
            let stored = try #require(try store.get(record.id))
            #expect(stored.record == record)
            #expect(stored.attempts == [])
            #expect(stored.record.payload?.headers == ["X-Trace": "abc"])
            #expect(stored.record.payload?.contentType == "application/json")
            #expect(stored.record.payload?.body == Array(#"{"order":1}"#.utf8))
        }
    }

    @Test func claimAttemptDelivered() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            let claimed = try store.claimDue(now: deliveryT0 + 1, limit: 10)
            #expect(claimed.map(\.id) == [queued.id])
            #expect(claimed.first?.status == .inFlight)
            #expect(claimed.first?.nextAttemptAt == nil)
            #expect(claimed.first?.payload == queued.payload, "the worker gets what to send")
            #expect(try store.get(queued.id)?.record.status == .inFlight)

            let delivered = try store.attempt(queued.id, number: 1, at: deliveryT0 + 1, outcome: .delivered)
            #expect(delivered.status == .delivered)
            #expect(delivered.attemptCount == 1)
            #expect(delivered.finishedAt == deliveryT0 + 1 + 0.0125, "start plus the attempt's 12.5 ms")
            #expect(delivered.nextAttemptAt == nil)
            #expect(delivered.lastError == nil)
            #expect(delivered.payload == nil, "recordAttempt does not read the body back")

            let detail = try #require(try store.get(queued.id))
            #expect(detail.attempts == [DeliveryAttempt(number: 1, at: deliveryT0 + 1, statusCode: 200, durationMilliseconds: 12.5)])
            #expect(try store.claimDue(now: deliveryT0 + 3600, limit: 10) == [], "a delivered delivery is never claimed again")
        }
    }

    @Test func aRetryWaitsUntilItsTimeThenIsClaimedAgain() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            let retrying = try store.attempt(
                queued.id, number: 1, at: deliveryT0, statusCode: 503, error: "http_503", outcome: .retry(at: deliveryT0 + 5))
            #expect(retrying.status == .retrying)
            #expect(retrying.nextAttemptAt == deliveryT0 + 5)
            #expect(retrying.lastError == "http_503")
            #expect(retrying.finishedAt == nil)

            #expect(try store.claimDue(now: deliveryT0 + 4.999, limit: 10) == [])
            let again = try store.claimDue(now: deliveryT0 + 5, limit: 10)
            #expect(again.map(\.id) == [queued.id])
            #expect(again.first?.attemptCount == 1, "the worker numbers the next attempt 2")

            let delivered = try store.attempt(queued.id, number: 2, at: deliveryT0 + 5, outcome: .delivered)
            #expect(delivered.status == .delivered)
            #expect(delivered.attemptCount == 2)
            #expect(delivered.lastError == nil, "cleared once delivered")
            #expect(try store.get(queued.id)?.attempts.map(\.number) == [1, 2])
            #expect(try store.get(queued.id)?.attempts.first?.error == "http_503")
        }
    }

    @Test func aDeadDeliveryKeepsItsReasonAndLastError() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            let dead = try store.attempt(
                queued.id, number: 1, at: deliveryT0, statusCode: 410, error: "http_410", outcome: .dead(reason: "gone"))
            #expect(dead.status == .dead)
            #expect(dead.deadReason == "gone")
            #expect(dead.lastError == "http_410")
            #expect(dead.finishedAt != nil)
            #expect(try store.claimDue(now: deliveryT0 + 86_400, limit: 10) == [])
        }
    }

    @Test func anAttemptWithoutResponseKeepsNoStatusCodeAndItsPreview() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            let attempt = DeliveryAttempt(
                number: 1, at: deliveryT0, statusCode: nil, durationMilliseconds: 30_000, error: "timeout", responsePreview: "")
            _ = try store.recordAttempt(queued.id, attempt, outcome: .retry(at: deliveryT0 + 35))
            #expect(try store.get(queued.id)?.attempts == [attempt])
        }
    }

    @Test func theSameAttemptNumberTwiceIsRefusedAndChangesNothing() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            try store.attempt(queued.id, number: 1, at: deliveryT0, statusCode: 500, outcome: .retry(at: deliveryT0 + 5))
            let error = try #require(throws: StoreError.self) {
                try store.attempt(queued.id, number: 1, at: deliveryT0 + 1, outcome: .delivered)
            }
            #expect(error.code == .sqlite)
            #expect(error.description.contains("record attempt 1 of delivery \(queued.id)"))
            let detail = try #require(try store.get(queued.id))
            #expect(detail.record.status == .retrying)
            #expect(detail.attempts.count == 1)
        }
    }

    @Test func anAttemptForAnUnknownDeliveryIsNil() throws {
        try withDeliveryStore { store, _ throws in
            var generator = DeliveryRecord.ID.Generator()
            let unknown = generator.next(at: deliveryT0)
            let attempt = DeliveryAttempt(number: 1, at: deliveryT0, durationMilliseconds: 1)
            #expect(try store.recordAttempt(unknown, attempt, outcome: .delivered) == nil)
            #expect(try store.get(unknown) == nil)
        }
    }

    @Test func aDeliveryCancelledInFlightKeepsTheAttemptButStaysCancelled() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            guard case .cancelled(let cancelled) = try store.cancel(queued.id, now: deliveryT0 + 1) else {
                Issue.record("an in-flight delivery can be cancelled")
                return
            }
            #expect(cancelled.status == .cancelled)
            let after = try store.attempt(queued.id, number: 1, at: deliveryT0, outcome: .delivered)
            #expect(after.status == .cancelled)
            #expect(after.attemptCount == 1)
            #expect(try store.get(queued.id)?.attempts.count == 1)
        }
    }

    @Test func manyAttemptsAreRecordedInOneCommitInOrder() throws {
        try withDeliveryStore { store, _ in
            let records = try store.enqueue((0..<4).map { newDelivery(body: "\($0)") }, now: deliveryT0).compactMap(\.record)
            _ = try store.claimDue(now: deliveryT0, limit: 4)
            let unknown = DeliveryRecord.ID.smallest(atOrAfter: deliveryT0 - 60)
            func report(_ id: DeliveryRecord.ID, _ outcome: DeliveryAttempt.Outcome) -> DeliveryAttempt.Report {
                DeliveryAttempt.Report(
                    deliveryID: id, attempt: DeliveryAttempt(number: 1, at: deliveryT0, statusCode: 200, durationMilliseconds: 3), outcome: outcome)
            }
            let after = try store.recordAttempts([
                report(records[0].id, .delivered), report(unknown, .delivered), report(records[1].id, .retry(at: deliveryT0 + 5)),
                report(records[2].id, .dead(reason: "rejected")),
            ])
            #expect(after.map { $0?.status } == [.delivered, nil, .retrying, .dead])
            #expect(try store.stats(code: nil, now: deliveryT0).unfinished == 2, "one retrying, one still in flight")
        }
    }

    @Test func aBatchOfAttemptsIsAllOrNothing() throws {
        try withDeliveryStore { store, _ in
            let records = try store.enqueue([newDelivery(), newDelivery()], now: deliveryT0).compactMap(\.record)
            _ = try store.claimDue(now: deliveryT0, limit: 2)
            let attempt = DeliveryAttempt(number: 1, at: deliveryT0, statusCode: 200, durationMilliseconds: 3)
            #expect(throws: StoreError.self) {
                try store.recordAttempts([
                    DeliveryAttempt.Report(deliveryID: records[0].id, attempt: attempt, outcome: .delivered),
                    DeliveryAttempt.Report(deliveryID: records[1].id, attempt: attempt, outcome: .delivered),
                    DeliveryAttempt.Report(deliveryID: records[1].id, attempt: attempt, outcome: .delivered),
                ])
            }
            #expect(try store.get(records[0].id)?.record.status == .inFlight, "the first report was rolled back too")
            #expect(try store.get(records[0].id)?.attempts == [])
            #expect(try store.stats(code: nil, now: deliveryT0).inFlight == 2)
            #expect(try store.enqueue([newDelivery()], now: deliveryT0).first?.record != nil)
        }
    }

    @Test func aReplayKeepsTheOriginalsMessageIdAndLinksToIt() throws {
        try withDeliveryStore { store, _ in
            let original = try store.enqueueNew()
            let replay = try store.enqueueNew(newDelivery(messageID: original.messageID, replayOf: original.id), now: deliveryT0 + 60)
            #expect(replay.id != original.id)
            #expect(replay.messageID == original.id)
            #expect(replay.replayOf == original.id)
            let stored = try #require(try store.get(replay.id)).record
            #expect(stored.messageID == original.id)
            #expect(stored.replayOf == original.id)
        }
    }

    @Test func binaryBodiesAndEmptyBodiesRoundTripExactly() throws {
        try withDeliveryStore { store, _ in
            let binary: [UInt8] = [0, 1, 2, 255, 0, 10, 13, 0]
            let one = try store.enqueueNew(NewDelivery(code: "BLOB", method: "PUT", body: binary, contentType: "application/octet-stream"))
            let two = try store.enqueueNew(NewDelivery(code: "EMPTY", body: []))
            #expect(try store.get(one.id)?.record.payload == DeliveryRecord.Payload(
                method: "PUT", headers: [:], body: binary, contentType: "application/octet-stream"))
            #expect(try store.get(two.id)?.record.payload == DeliveryRecord.Payload(method: "POST", body: [], contentType: nil))
        }
    }
}
