@testable import HookDaemon
import HookCore
import HookStore
import Synchronization
import Testing

/// The delivery engine's small concurrency parts: group commit, the scheduler's wake signal and
/// the waiters of `webhook.deliver`'s `first_attempt` / `final`.
struct DeliverySchedulingTests {
    static func record(_ status: DeliveryStatus, attempts: Int = 0) throws -> DeliveryRecord {
        let id = try #require(DeliveryRecord.ID("dlv_" + String(repeating: "0", count: 25) + "1"))
        return DeliveryRecord(id: id, code: "ORDERS", status: status, createdAt: 1_700_000_000, nextAttemptAt: nil,
                              attemptCount: attempts, payload: nil)
    }

    static let attempt = DeliveryAttempt(number: 1, at: 1_700_000_000, statusCode: 500, durationMilliseconds: 3)

    @Test func concurrentSubmissionsShareTransactionsAndEachGetsItsOwnResult() async throws {
        let batches = Mutex<[Int]>([])
        let commit = GroupCommit<Int, Int>(blocking: BlockingQueue(label: "test.group-commit")) { items throws(StoreError) in
            batches.withLock { $0.append(items.count) }
            return items.map { $0 * 2 }
        }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<200 { group.addTask { (item, try await commit.submit(item)) } }
            var results: [Int: Int] = [:]
            for try await (item, result) in group { results[item] = result }
            return results
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.value == $0.key * 2 }, "each caller gets the output of its own item")
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 200, "every item committed exactly once")
        #expect(sizes.count < 200, "callers that arrived during a commit shared the next one: \(sizes)")
    }

    @Test func aFailedTransactionFailsEveryCallerInIt() async throws {
        let commit = GroupCommit<Int, Int>(blocking: BlockingQueue(label: "test.group-commit")) { _ throws(StoreError) in
            throw StoreError(code: .sqlite, operation: "enqueue", message: "disk I/O error")
        }
        await withTaskGroup(of: Bool.self) { group in
            for item in 0..<20 {
                group.addTask {
                    do throws(StoreError) {
                        _ = try await commit.submit(item)
                        return false
                    } catch {
                        return error.code == .sqlite && error.description.contains("disk I/O error")
                    }
                }
            }
            for await failedAsExpected in group { #expect(failedAsExpected) }
        }
    }

    @Test func aSignalGivenBeforeTheWaitEndsItAtOnceAndAWaitWithoutOneEndsAtItsTimeout() async {
        let signal = WakeSignal()
        signal.signal()
        let clock = ContinuousClock()
        let early = await clock.measure { await signal.wait(timeout: 30) }
        #expect(early < .seconds(10), "the kept signal ended the wait long before its timeout")
        let timed = await clock.measure { await signal.wait(timeout: 0.2) }
        #expect(timed >= .milliseconds(150), "no signal: the wait lasts until its timeout")
    }

    @Test func aWaiterArrivingAfterTheFirstAttemptEndedIsAnsweredAtOnce() async throws {
        let waiters = DeliveryWaiters()
        let retrying = try Self.record(.retrying, attempts: 1)
        waiters.attemptEnded(retrying, attempt: Self.attempt)
        let wakeup = await waiters.wait(for: retrying.id, goal: .firstAttempt, timeout: 30)
        #expect(!wakeup.timedOut)
        #expect(wakeup.attempt?.statusCode == 500)
        #expect(wakeup.record?.status == .retrying)
    }

    @Test func aFinalWaiterIsNotWokenByARetryButByTheEnd() async throws {
        let waiters = DeliveryWaiters()
        let retrying = try Self.record(.retrying, attempts: 1)
        waiters.attemptEnded(retrying, attempt: Self.attempt)
        let notYet = await waiters.wait(for: retrying.id, goal: .final, timeout: 0.2)
        #expect(notYet.timedOut, "a retrying delivery is not final")
        async let final = waiters.wait(for: retrying.id, goal: .final, timeout: 30)
        try await Task.sleep(for: .milliseconds(50))
        waiters.finished(try Self.record(.cancelled, attempts: 1))
        let woken = await final
        #expect(!woken.timedOut)
        #expect(woken.record?.status == .cancelled)
    }
}
