import Foundation
import HookCore
@testable import HookStore
import Synchronization
import Testing

/// `claimDue` and `nextDueAt`: what is due, in which order, for whom.
struct DeliveryStoreClaimTests {
    @Test func dueDeliveriesAreClaimedEarliestFirstUpToTheLimit() throws {
        try withDeliveryStore { store, _ in
            let a = try store.enqueueNew(now: deliveryT0)
            let b = try store.enqueueNew(now: deliveryT0 + 1)
            let c = try store.enqueueNew(now: deliveryT0 + 2)
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 2).map(\.id) == [a.id, b.id])
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 2).map(\.id) == [c.id])
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 2) == [], "nothing is claimed twice")
        }
    }

    @Test func deliveriesNotYetDueStay() throws {
        try withDeliveryStore { store, path in
            try store.enqueueNew(now: deliveryT0)
            #expect(try store.claimDue(now: deliveryT0 - 0.001, limit: 10) == [])
            #expect(try count("SELECT count(*) FROM deliveries WHERE status = 'queued'", in: path) == 1)
            #expect(try store.claimDue(now: deliveryT0, limit: 10).count == 1, "due at exactly its time")
        }
    }

    @Test func aRetryDueEarlierGoesBeforeAFreshDeliveryDueLater() throws {
        try withDeliveryStore { store, _ in
            let old = try store.enqueueNew(now: deliveryT0)
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            try store.attempt(old.id, number: 1, at: deliveryT0, statusCode: 500, outcome: .retry(at: deliveryT0 + 5))
            let fresh = try store.enqueueNew(now: deliveryT0 + 6)
            let later = try store.enqueueNew(now: deliveryT0 + 4)
            // Due: later at +4, old at +5, fresh at +6.
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 10).map(\.id) == [later.id, old.id, fresh.id])
        }
    }

    @Test func aLimitOfZeroClaimsNothing() throws {
        try withDeliveryStore { store, _ in
            try store.enqueueNew()
            #expect(try store.claimDue(now: deliveryT0, limit: 0) == [])
            #expect(try store.claimDue(now: deliveryT0, limit: -1) == [])
            #expect(try store.claimDue(now: deliveryT0, limit: 1).count == 1)
        }
    }

    @Test func excludedWebhooksKeepWaitingUntouched() throws {
        try withDeliveryStore { store, _ in
            let open = try store.enqueueNew(newDelivery("BREAKER_OPEN"), now: deliveryT0)
            let disabled = try store.enqueueNew(newDelivery("DISABLED"), now: deliveryT0)
            let fine = try store.enqueueNew(newDelivery("FINE"), now: deliveryT0 + 1)
            let claimed = try store.claimDue(now: deliveryT0 + 10, limit: 10, excludingCodes: ["BREAKER_OPEN", "DISABLED"])
            #expect(claimed.map(\.id) == [fine.id])
            #expect(try store.get(open.id)?.record == open, "not attempted, not lost, not changed")
            #expect(try store.get(disabled.id)?.record.status == .queued)
            // When the breaker closes they are claimed as usual.
            #expect(try store.claimDue(now: deliveryT0 + 10, limit: 10, excludingCodes: ["DISABLED"]).map(\.id) == [open.id])
        }
    }

    @Test func nextDueAtIsTheEarliestWaitingTimeOfCodesNotExcluded() throws {
        try withDeliveryStore { store, _ in
            #expect(try store.nextDueAt(excludingCodes: []) == nil)
            let a = try store.enqueueNew(newDelivery("A"), now: deliveryT0)
            try store.enqueueNew(newDelivery("B"), now: deliveryT0 + 3)
            #expect(try store.nextDueAt(excludingCodes: []) == deliveryT0)
            #expect(try store.nextDueAt(excludingCodes: ["A"]) == deliveryT0 + 3)
            _ = try store.claimDue(now: deliveryT0, limit: 1)
            try store.attempt(a.id, number: 1, at: deliveryT0, statusCode: 500, outcome: .retry(at: deliveryT0 + 300))
            #expect(try store.nextDueAt(excludingCodes: []) == deliveryT0 + 3)
            #expect(try store.nextDueAt(excludingCodes: ["B"]) == deliveryT0 + 300)
            #expect(try store.nextDueAt(excludingCodes: ["A", "B"]) == nil)
        }
    }

    @Test func claimingAndNextDueWalkTheDueIndexWithoutSorting() throws {
        try withDeliveryStore { _, path in
            let database = try SQLiteDatabase(path: path)
            for sql in [DeliveryStore.claimSQL(excluding: 0), DeliveryStore.claimSQL(excluding: 2), DeliveryStore.nextDueSQL(excluding: 3)] {
                // Unbound parameters are NULL; the plan does not depend on them.
                let plan = try database.prepare("EXPLAIN QUERY PLAN " + sql, operation: "test: plan")
                var details: [String] = []
                while try plan.step() { details.append(plan.text(at: 3) ?? "") }
                #expect(details.contains { $0.contains("deliveries_due") }, "\(details)")
                #expect(!details.contains { $0.contains("TEMP B-TREE") }, "the index gives the order; \(details)")
            }
        }
    }

    @Test func fourWorkersClaimingAtOnceNeverShareADelivery() throws {
        try withDeliveryStore { store, _ in
            let total = 2000
            for start in stride(from: 0, to: total, by: 500) {
                _ = try store.enqueue((start..<(start + 500)).map { newDelivery("CODE_\($0 % 7)", body: "\($0)") }, now: deliveryT0)
            }
            let claimed = Mutex<[DeliveryRecord.ID]>([])
            let failures = Mutex<[String]>([])
            let group = DispatchGroup()
            for _ in 0..<4 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        while true {
                            let batch = try store.claimDue(now: deliveryT0, limit: 37)
                            if batch.isEmpty { return }
                            claimed.withLock { $0 += batch.map(\.id) }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(group.wait(timeout: .now() + 120) == .success)
            #expect(failures.withLock { $0 } == [])
            let ids = claimed.withLock { $0 }
            #expect(ids.count == total)
            #expect(Set(ids).count == total, "every delivery claimed exactly once")
        }
    }
}
