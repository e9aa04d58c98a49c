import Synchronization

/// Wakes the delivery scheduler early: a new delivery was queued, or a webhook got a free slot.
///
/// A signal given while nobody waits is kept, so the next wait returns at once: nothing queued
/// between two looks at the queue waits a whole timeout.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    /// Ends the current or next wait.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `signal()` or `timeout` seconds, whichever comes first.
    func wait(timeout: Double) async {
        let generation: Int? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { $0.waiter = continuation }
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(max(timeout, 0)))
                self?.expire(generation)
            }
        }
    }

    /// The timeout of the wait numbered `generation`, if that wait is still on.
    private func expire(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
