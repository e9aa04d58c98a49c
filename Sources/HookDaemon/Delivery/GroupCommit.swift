import HookStore
import Synchronization

/// Group commit: every item handed in while a transaction is running joins the next one, so a
/// burst of callers shares a few transactions (and fsyncs) instead of one each.
///
/// `webhook.deliver` queues through one (a caller is answered only once the transaction holding
/// its delivery has committed); the engine records attempt outcomes through another.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    private struct Waiting {
        var item: Item
        var continuation: CheckedContinuation<Result<Output, StoreError>, Never>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let blocking: BlockingQueue
    /// Commits a batch in one transaction; one output per item, in order.
    private let commit: @Sendable ([Item]) throws(StoreError) -> [Output]
    private let state = Mutex(State())

    init(blocking: BlockingQueue, commit: @escaping @Sendable ([Item]) throws(StoreError) -> [Output]) {
        self.blocking = blocking
        self.commit = commit
    }

    /// Commits `item` with whatever else arrives meanwhile.
    func submit(_ item: Item) async throws(StoreError) -> Output {
        let result = await withCheckedContinuation { continuation in
            let startsCommit = state.withLock { state -> Bool in
                state.waiting.append(Waiting(item: item, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if startsCommit { blocking.start { self.commitNextBatch() } }
        }
        return try result.get()
    }

    /// Commits everything waiting now and answers each caller from the blocking queue itself (no
    /// task in between), then goes to the back of the queue to look again, so that other work on
    /// the queue (claims, reads) is not held up by a steady stream of callers.
    private func commitNextBatch() {
        let batch = state.withLock { state -> [Waiting] in
            let batch = state.waiting
            state.waiting = []
            if batch.isEmpty { state.committing = false }
            return batch
        }
        guard !batch.isEmpty else { return }
        let commit = self.commit
        let outcome = Result { () throws(StoreError) -> [Output] in try commit(batch.map(\.item)) }
        switch outcome {
        case .success(let outputs) where outputs.count == batch.count:
            for (waiting, output) in zip(batch, outputs) { waiting.continuation.resume(returning: .success(output)) }
        case .success:
            let error = StoreError(code: .sqlite, operation: "group commit", message: "the batch returned a wrong number of results")
            for waiting in batch { waiting.continuation.resume(returning: .failure(error)) }
        case .failure(let error):
            for waiting in batch { waiting.continuation.resume(returning: .failure(error)) }
        }
        blocking.start { self.commitNextBatch() }
    }
}
