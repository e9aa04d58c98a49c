import HookCore
@testable import HookStore
import Testing

/// `cancel`, `get`, `list`, `stats` and `prune`.
struct DeliveryStoreQueryTests {
    // MARK: Cancel

    @Test func aWaitingDeliveryIsCancelled() throws {
        try withDeliveryStore { store, _ in
            let queued = try store.enqueueNew()
            guard case .cancelled(let cancelled) = try store.cancel(queued.id, now: deliveryT0 + 5) else {
                Issue.record("a queued delivery can be cancelled")
                return
            }
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.finishedAt == deliveryT0 + 5)
            #expect(cancelled.nextAttemptAt == nil)
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 10) == [])
        }
    }

    @Test func aFinalDeliveryCannotBeCancelled() throws {
        try withDeliveryStore { store, _ in
            let delivered = try store.enqueueNew()
            let dead = try store.enqueueNew()
            let cancelled = try store.enqueueNew()
            _ = try store.claimDue(now: deliveryT0, limit: 2)
            try store.attempt(delivered.id, number: 1, at: deliveryT0, outcome: .delivered)
            try store.attempt(dead.id, number: 1, at: deliveryT0, statusCode: 400, outcome: .dead(reason: "rejected"))
            _ = try store.cancel(cancelled.id, now: deliveryT0)
            for (id, status) in [(delivered.id, DeliveryStatus.delivered), (dead.id, .dead), (cancelled.id, .cancelled)] {
                guard case .alreadyFinal(let record) = try store.cancel(id, now: deliveryT0 + 1) else {
                    Issue.record("\(status) must be refused")
                    continue
                }
                #expect(record.status == status)
                #expect(try store.get(id)?.record.status == status, "unchanged")
            }
        }
    }

    @Test func cancellingAnUnknownIdSaysSo() throws {
        try withDeliveryStore { store, _ throws in
            #expect(try store.cancel(DeliveryRecord.ID.smallest(atOrAfter: deliveryT0), now: deliveryT0) == .notFound)
        }
    }

    // MARK: List

    /// 60 deliveries over three codes and every status, enqueued a second apart.
    private func populate(_ store: DeliveryStore) throws -> [DeliveryRecord] {
        var records: [DeliveryRecord] = []
        for index in 0..<60 {
            records.append(try store.enqueueNew(newDelivery(["A", "B", "C"][index % 3], body: "\(index)"), now: deliveryT0 + Double(index)))
        }
        let claimed = try store.claimDue(now: deliveryT0 + 100, limit: 40)
        for (offset, record) in claimed.enumerated() {
            switch offset % 4 {
            case 0: try store.attempt(record.id, number: 1, at: deliveryT0 + 100, outcome: .delivered)
            case 1: try store.attempt(record.id, number: 1, at: deliveryT0 + 100, statusCode: 500, outcome: .retry(at: deliveryT0 + 200))
            case 2: try store.attempt(record.id, number: 1, at: deliveryT0 + 100, statusCode: 422, outcome: .dead(reason: "rejected"))
            default: break  // stays in flight
            }
        }
        _ = try store.cancel(records[59].id, now: deliveryT0 + 100)
        return records
    }

    @Test func pagingCoversEveryDeliveryExactlyOnceNewestFirst() throws {
        try withDeliveryStore { store, _ in
            let records = try populate(store)
            for pageSize in [1, 7, 60, 61, 500] {
                let listed = try store.listAll(pageSize: pageSize)
                #expect(listed.map(\.id) == records.map(\.id).reversed(), "page size \(pageSize)")
                #expect(listed.allSatisfy { $0.payload == nil }, "pages leave bodies on disk")
            }
        }
    }

    @Test func filtersCombineAndPageTheSameWay() throws {
        try withDeliveryStore { store, _ in
            let records = try populate(store)
            let all = try store.listAll(pageSize: 100)
            for code in ["A", "B", "C", "NONE"] {
                for status in DeliveryStatus.allCases {
                    let expected = all.filter { $0.code == code && $0.status == status }.map(\.id)
                    #expect(try store.listAll(code: code, status: status, pageSize: 3).map(\.id) == expected, "\(code) \(status)")
                }
                #expect(try store.listAll(code: code, pageSize: 4).map(\.id) == all.filter { $0.code == code }.map(\.id))
            }
            for status in DeliveryStatus.allCases {
                #expect(try store.listAll(status: status, pageSize: 4).map(\.id) == all.filter { $0.status == status }.map(\.id))
            }
            let since = deliveryT0 + 45
            #expect(try store.listAll(since: since, pageSize: 4).map(\.id) == records[45...].map(\.id).reversed())
            #expect(try store.listAll(code: "A", status: .queued, since: deliveryT0 + 40).allSatisfy {
                $0.code == "A" && $0.status == .queued && $0.createdAt >= deliveryT0 + 40
            })
        }
    }

    @Test func deliveriesAddedWhilePagingNeitherRepeatNorHideOlderOnes() throws {
        try withDeliveryStore { store, _ in
            let records = try populate(store)
            var seen: [DeliveryRecord.ID] = []
            var page = try store.list(code: nil, status: nil, since: nil, limit: 10, cursor: nil)
            seen += page.records.map(\.id)
            while let cursor = page.nextCursor {
                try store.enqueueNew(now: deliveryT0 + 1000)
                page = try store.list(code: nil, status: nil, since: nil, limit: 10, cursor: cursor)
                seen += page.records.map(\.id)
            }
            #expect(seen == records.map(\.id).reversed())
        }
    }

    @Test func theLastFullPageHasNoCursor() throws {
        try withDeliveryStore { store, _ in
            _ = try store.enqueue((0..<10).map { _ in newDelivery() }, now: deliveryT0)
            let page = try store.list(code: nil, status: nil, since: nil, limit: 10, cursor: nil)
            #expect(page.records.count == 10)
            #expect(page.nextCursor == nil)
            #expect(try store.list(code: nil, status: nil, since: nil, limit: 9, cursor: nil).nextCursor != nil)
        }
    }

    // MARK: Stats

    @Test func statsCountEveryStatusAndTheOldestWaitingAge() throws {
        try withDeliveryStore { store, _ in
            _ = try populate(store)
            let all = try store.listAll(pageSize: 100)
            let stats = try store.stats(code: nil, now: deliveryT0 + 500)
            for status in DeliveryStatus.allCases {
                #expect(stats[status] == all.filter { $0.status == status }.count, "\(status)")
            }
            #expect(stats.queued == 19)
            #expect(stats.inFlight == 10)
            #expect(stats.retrying == 10)
            #expect(stats.delivered == 10)
            #expect(stats.dead == 10)
            #expect(stats.cancelled == 1)
            #expect(stats.oldestQueuedAge == 499, "the second delivery (retrying) is the oldest unfinished")

            let b = try store.stats(code: "B", now: deliveryT0 + 500)
            for status in DeliveryStatus.allCases {
                #expect(b[status] == all.filter { $0.code == "B" && $0.status == status }.count, "B \(status)")
            }
            #expect(b.oldestQueuedAge == 499, "B's first is that same retrying one")
            // A's first (0) was delivered, its second (3) is in flight; C's first (2) is dead, its second (5) retrying.
            #expect(try store.stats(code: "A", now: deliveryT0 + 500).oldestQueuedAge == 497)
            #expect(try store.stats(code: "C", now: deliveryT0 + 500).oldestQueuedAge == 495)
        }
    }

    @Test func statsOfAnEmptyQueue() throws {
        try withDeliveryStore { store, _ in
            #expect(try store.stats(code: nil, now: deliveryT0) == DeliveryQueueStats())
            try store.enqueueNew(newDelivery("A"))
            #expect(try store.stats(code: "OTHER", now: deliveryT0) == DeliveryQueueStats())
            #expect(try store.stats(code: "A", now: deliveryT0 + 2) == DeliveryQueueStats(queued: 1, oldestQueuedAge: 2))
        }
    }

    // MARK: Prune

    @Test func deliveredRowsArePrunedAfterSevenDaysDeadAndCancelledAfterThirty() throws {
        try withDeliveryStore { store, path in
            let day: Double = 86_400
            func finished(_ outcome: DeliveryAttempt.Outcome, daysAgo: Double) throws -> DeliveryRecord.ID {
                let now = deliveryT0 - daysAgo * day
                let record = try store.enqueueNew(now: now)
                _ = try store.claimDue(now: now, limit: 1)
                try store.attempt(record.id, number: 1, at: now, outcome: outcome)
                return record.id
            }
            let deliveredOld = try finished(.delivered, daysAgo: 7.01)
            let deliveredRecent = try finished(.delivered, daysAgo: 6.99)
            let deadOld = try finished(.dead(reason: "rejected"), daysAgo: 30.01)
            let deadRecent = try finished(.dead(reason: "rejected"), daysAgo: 29.99)
            let cancelledOld = try store.enqueueNew(now: deliveryT0 - 31 * day).id
            _ = try store.cancel(cancelledOld, now: deliveryT0 - 30.5 * day)
            let waitingForever = try store.enqueueNew(newDelivery("STUCK"), now: deliveryT0 - 90 * day).id

            #expect(try store.prune(now: deliveryT0) == 3)
            for id in [deliveredOld, deadOld, cancelledOld] { #expect(try store.get(id) == nil) }
            for id in [deliveredRecent, deadRecent, waitingForever] { #expect(try store.get(id) != nil) }
            #expect(try count("SELECT count(*) FROM delivery_payloads", in: path) == 3, "payloads went with their deliveries")
            #expect(try count("SELECT count(*) FROM delivery_attempts", in: path) == 2, "so did their attempts")
            #expect(try store.prune(now: deliveryT0) == 0)
            // Custom retentions.
            #expect(try store.prune(now: deliveryT0, deliveredRetention: day, deadRetention: 40 * day) == 1)
            #expect(try store.get(deliveredRecent) == nil)
        }
    }

    @Test func pruningManyRowsTakesSeveralBatchesAndRecountsTheBound() throws {
        try withDeliveryStore(limits: DeliveryQueueLimits(maxQueued: 3000)) { store, path in
            for start in stride(from: 0, to: 2600, by: 650) {
                _ = try store.enqueue((start..<(start + 650)).map { _ in newDelivery() }, now: deliveryT0)
            }
            #expect(try store.enqueue([newDelivery()] + Array(repeating: newDelivery(), count: 400), now: deliveryT0).last == .queueFull)
            // Another writer finishes 2500 of them (the store's running count does not see it).
            try SQLiteDatabase(path: path).execute("""
                UPDATE deliveries SET status = 'delivered', next_attempt_at = NULL, finished_at = \(deliveryT0)
                WHERE id IN (SELECT id FROM deliveries ORDER BY id LIMIT 2500)
                """, operation: "test: finish 2500")
            #expect(try store.prune(now: deliveryT0 + 8 * 86_400) == 2500)
            #expect(try count("SELECT count(*) FROM deliveries", in: path) == 500)
            // The prune recounted: 500 unfinished, room for 2500 more.
            let results = try store.enqueue(Array(repeating: newDelivery(), count: 2501), now: deliveryT0 + 8 * 86_400)
            #expect(results.filter { $0.record != nil }.count == 2500)
            #expect(results.last == .queueFull)
        }
    }
}
