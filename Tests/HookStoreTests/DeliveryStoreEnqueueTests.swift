import HookCore
@testable import HookStore
import Testing

/// `enqueue`: the group commit, idempotency keys and the `max_queued` bound.
struct DeliveryStoreEnqueueTests {
    // MARK: Group commit

    @Test func aBatchOfAThousandIsQueuedInOrderWithIncreasingIds() throws {
        try withDeliveryStore { store, path in
            let batch = (0..<1000).map { newDelivery("CODE_\($0 % 10)", body: #"{"n":\#($0)}"#) }
            let results = try store.enqueue(batch, now: deliveryT0)
            let records = results.compactMap { result -> DeliveryRecord? in
                if case .enqueued(let record) = result { return record }
                return nil
            }
            #expect(records.count == 1000)
            #expect(zip(records, records.dropFirst()).allSatisfy { $0.id < $1.id }, "ids follow the batch's order")
            #expect(records.map(\.code) == batch.map(\.code))
            #expect(try count("SELECT count(*) FROM deliveries WHERE status = 'queued'", in: path) == 1000)
            #expect(try count("SELECT count(*) FROM delivery_payloads", in: path) == 1000)
            // Claimed in the order they were given.
            let claimed = try store.claimDue(now: deliveryT0, limit: 1000)
            #expect(claimed.map(\.id) == records.map(\.id))
            #expect(claimed.map { $0.payload?.body ?? [] } == batch.map(\.payload.body))
        }
    }

    @Test func aBatchIsOneTransactionAFailureQueuesNoneOfIt() throws {
        try withDeliveryStore { store, path in
            try store.enqueueNew(newDelivery("BEFORE"))
            // Another writer makes the 600th insert of the next batch fail.
            try SQLiteDatabase(path: path).execute("""
                CREATE TRIGGER refuse_poison BEFORE INSERT ON deliveries WHEN NEW.code = 'POISON'
                BEGIN SELECT RAISE(ABORT, 'poison refused'); END;
                """, operation: "test: refuse one code")
            var batch = (0..<1000).map { newDelivery("GOOD_\($0 % 3)") }
            batch[599] = newDelivery("POISON")
            let error = try #require(throws: StoreError.self) { try store.enqueue(batch, now: deliveryT0 + 1) }
            #expect(error.description.contains("enqueue 1000 deliveries"))
            #expect(error.description.contains("poison refused"))
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 1, "none of the batch, not even the first 599")
            #expect(try count("SELECT count(*) FROM delivery_payloads", in: path) == 1)
            // The running count was not moved by the rolled-back batch: the bound still holds exactly.
            #expect(try store.stats(code: nil, now: deliveryT0 + 1).unfinished == 1)
        }
    }

    @Test func anEmptyBatchDoesNothing() throws {
        try withDeliveryStore { store, path throws in
            #expect(try store.enqueue([], now: deliveryT0) == [])
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 0)
        }
    }

    @Test func anErrorNeverShowsThePayloadOrTheIdempotencyKey() throws {
        try withDeliveryStore { store, path in
            try SQLiteDatabase(path: path).execute("""
                CREATE TRIGGER refuse_all BEFORE INSERT ON delivery_payloads BEGIN SELECT RAISE(ABORT, 'writes refused'); END;
                """, operation: "test: refuse writes")
            let secret = newDelivery(key: "idem-SECRETKEY", body: #"{"card":"4111111111111111","token":"sk_fake_SECRET"}"#,
                                     headers: ["Authorization": "Bearer SECRETHEADER"])
            let error = try #require(throws: StoreError.self) { try store.enqueue([secret], now: deliveryT0) }
            #expect(error.description.contains("writes refused"))
            for fragment in ["SECRET", "4111", "Bearer", "idem-"] {
                #expect(!error.description.contains(fragment))
                #expect(!"\(error)".contains(fragment))
            }
        }
    }

    // MARK: Idempotency

    @Test func theSameKeyForTheSameWebhookReturnsTheFirstDelivery() throws {
        try withDeliveryStore { store, path in
            let first = try store.enqueueNew(newDelivery(key: "order-17", body: "first"))
            let again = try store.enqueue([newDelivery(key: "order-17", body: "second")], now: deliveryT0 + 3600)
            guard case .duplicate(let existing) = again.first else {
                Issue.record("expected the first delivery, got \(again)")
                return
            }
            #expect(existing.id == first.id)
            #expect(existing.payload?.body == Array("first".utf8), "the first payload stands")
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 1)
        }
    }

    @Test func theDuplicateShowsTheFirstDeliveryAsItStandsNow() throws {
        try withDeliveryStore { store, _ in
            let first = try store.enqueueNew(newDelivery(key: "k"))
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            try store.attempt(first.id, number: 1, at: deliveryT0, outcome: .delivered)
            let again = try store.enqueue([newDelivery(key: "k")], now: deliveryT0 + 10)
            #expect(again.first?.record?.id == first.id)
            #expect(again.first?.record?.status == .delivered)
            #expect(again.first?.record?.attemptCount == 1)
        }
    }

    @Test func afterTheWindowTheSameKeyQueuesANewDelivery() throws {
        try withDeliveryStore { store, _ in
            let first = try store.enqueueNew(newDelivery(key: "k"))
            let window = DeliveryQueueLimits.defaultIdempotencyWindow
            #expect(try store.enqueue([newDelivery(key: "k")], now: deliveryT0 + window - 0.001).first?.record?.id == first.id,
                    "still inside the window")
            let second = try store.enqueueNew(newDelivery(key: "k"), now: deliveryT0 + window)
            #expect(second.id != first.id, "a window's length later is outside it")
            // And the window now runs from the second one.
            #expect(try store.enqueue([newDelivery(key: "k")], now: deliveryT0 + window + 60).first?.record?.id == second.id)
        }
    }

    @Test func aConfiguredWindowIsHonoured() throws {
        try withDeliveryStore(limits: DeliveryQueueLimits(idempotencyWindow: 60)) { store, _ in
            let first = try store.enqueueNew(newDelivery(key: "k"))
            #expect(try store.enqueue([newDelivery(key: "k")], now: deliveryT0 + 59).first?.record?.id == first.id)
            #expect(try store.enqueueNew(newDelivery(key: "k"), now: deliveryT0 + 61).id != first.id)
        }
    }

    @Test func theSameKeyForAnotherWebhookIsANewDelivery() throws {
        try withDeliveryStore { store, _ in
            let orders = try store.enqueueNew(newDelivery("ORDERS", key: "k"))
            let invoices = try store.enqueueNew(newDelivery("INVOICES", key: "k"), now: deliveryT0 + 1)
            #expect(orders.id != invoices.id)
            #expect(invoices.code == "INVOICES")
        }
    }

    @Test func noKeyMeansNoDeduplication() throws {
        try withDeliveryStore { store, _ in
            let results = try store.enqueue([newDelivery(), newDelivery()], now: deliveryT0)
            #expect(Set(results.compactMap(\.record?.id)).count == 2)
            #expect(results.allSatisfy { if case .enqueued = $0 { true } else { false } })
        }
    }

    @Test func aKeyRepeatedWithinOneBatchYieldsOneDelivery() throws {
        try withDeliveryStore { store, path in
            let results = try store.enqueue(
                [newDelivery(key: "k", body: "a"), newDelivery(key: "other"), newDelivery(key: "k", body: "b")], now: deliveryT0)
            guard case .enqueued(let first) = results[0], case .enqueued = results[1], case .duplicate(let repeated) = results[2] else {
                Issue.record("expected new, new, duplicate; got \(results)")
                return
            }
            #expect(repeated.id == first.id)
            #expect(repeated.payload?.body == Array("a".utf8))
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 2)
        }
    }

    // MARK: The bound

    @Test func theQueueIsFullExactlyAtTheBound() throws {
        try withDeliveryStore(limits: DeliveryQueueLimits(maxQueued: 3)) { store, path in
            let results = try store.enqueue((0..<5).map { newDelivery(body: "\($0)") }, now: deliveryT0)
            #expect(results.map { if case .enqueued = $0 { "new" } else { "\($0)" } } == ["new", "new", "new", "queueFull", "queueFull"])
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 3, "nothing past the bound was written")
            #expect(try store.enqueue([newDelivery()], now: deliveryT0 + 1) == [.queueFull])
        }
    }

    @Test func aDuplicateIsAnsweredEvenWhenTheQueueIsFull() throws {
        try withDeliveryStore(limits: DeliveryQueueLimits(maxQueued: 1)) { store, _ in
            let first = try store.enqueueNew(newDelivery(key: "k"))
            #expect(try store.enqueue([newDelivery(key: "k")], now: deliveryT0 + 1) == [.duplicate(first)])
            #expect(try store.enqueue([newDelivery(key: "new")], now: deliveryT0 + 1) == [.queueFull])
        }
    }

    @Test func finishingOrCancellingADeliveryMakesRoomForExactlyOne() throws {
        try withDeliveryStore(limits: DeliveryQueueLimits(maxQueued: 2)) { store, _ in
            let a = try store.enqueueNew(newDelivery("A"))
            let b = try store.enqueueNew(newDelivery("B"))
            #expect(try store.enqueue([newDelivery()], now: deliveryT0) == [.queueFull])

            #expect(try store.claimDue(now: deliveryT0, limit: 1, excludingCodes: ["B"]).map(\.id) == [a.id])
            #expect(try store.enqueue([newDelivery()], now: deliveryT0) == [.queueFull], "in flight still counts")
            try store.attempt(a.id, number: 1, at: deliveryT0, outcome: .retry(at: deliveryT0 + 5))
            #expect(try store.enqueue([newDelivery()], now: deliveryT0) == [.queueFull], "retrying still counts")
            #expect(try store.claimDue(now: deliveryT0 + 5, limit: 1, excludingCodes: ["B"]).map(\.id) == [a.id])
            try store.attempt(a.id, number: 2, at: deliveryT0 + 5, outcome: .delivered)
            let room = try store.enqueue([newDelivery(), newDelivery()], now: deliveryT0 + 6)
            #expect(room.first?.record != nil)
            #expect(room.last == .queueFull)

            _ = try store.cancel(b.id, now: deliveryT0 + 7)
            #expect(try store.enqueue([newDelivery()], now: deliveryT0 + 8).first?.record != nil)
            #expect(try store.enqueue([newDelivery()], now: deliveryT0 + 8) == [.queueFull])
        }
    }

    @Test func theBoundCountsWhatIsOnDiskAfterReopening() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/deliveries.db"
            do {
                let store = try DeliveryStore(path: path, limits: DeliveryQueueLimits(maxQueued: 2))
                _ = try store.enqueue([newDelivery(), newDelivery()], now: deliveryT0)
            }
            let reopened = try DeliveryStore(path: path, limits: DeliveryQueueLimits(maxQueued: 2))
            #expect(try reopened.enqueue([newDelivery()], now: deliveryT0 + 1) == [.queueFull])
            let larger = try DeliveryStore(path: path, limits: DeliveryQueueLimits(maxQueued: 3))
            #expect(try larger.enqueue([newDelivery(), newDelivery()], now: deliveryT0 + 1).map { $0.record == nil } == [false, true])
        }
    }
}
