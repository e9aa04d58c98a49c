import HookCore
import HookStore
import Synchronization

/// Group commit for `webhook.deliver`: every delivery handed in while a commit is running joins
/// the next one, so a burst of callers shares a few transactions instead of one fsync each.
///
/// A caller is answered only after the transaction holding its delivery has committed.
final class DeliveryIntake: Sendable {
    private struct Waiting {
        var delivery: NewDelivery
        var continuation: CheckedContinuation<Result<EnqueueResult, StoreError>, Never>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let queue: DeliveryStore
    private let blocking: BlockingQueue
    private let clock: @Sendable () -> Double
    private let state = Mutex(State())

    init(queue: DeliveryStore, blocking: BlockingQueue, clock: @escaping @Sendable () -> Double) {
        self.queue = queue
        self.blocking = blocking
        self.clock = clock
    }

    /// Queues `delivery` durably, with whatever else arrives meanwhile.
    func enqueue(_ delivery: NewDelivery) async throws(StoreError) -> EnqueueResult {
        let result = await withCheckedContinuation { continuation in
            let startsCommit = state.withLock { state -> Bool in
                state.waiting.append(Waiting(delivery: delivery, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if startsCommit { Task { await self.commitWhileWaiting() } }
        }
        return try result.get()
    }

    /// Commits batches until nobody waits.
    private func commitWhileWaiting() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.committing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let deliveries = batch.map(\.delivery)
            let (queue, clock) = (self.queue, self.clock)
            let outcome: Result<[EnqueueResult], StoreError> = await blocking.run { () -> Result<[EnqueueResult], StoreError> in
                do throws(StoreError) {
                    return .success(try queue.enqueue(deliveries, now: clock()))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let results):
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(returning: .success(result)) }
            case .failure(let error):
                for waiting in batch { waiting.continuation.resume(returning: .failure(error)) }
            }
        }
    }
}
