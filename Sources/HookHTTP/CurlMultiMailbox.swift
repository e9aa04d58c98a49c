import CCurl
import Synchronization

/// The hand-over point between callers of `HTTPClient` (any thread or task) and the transfer thread.
///
/// Callers post new tickets, cancellations and the stop request here and wake the thread with
/// `curl_multi_wakeup`, the one multi-handle call curl allows from other threads. The multi handle
/// is published here only while it exists, and every wakeup happens under the lock, so no wakeup
/// can race with `curl_multi_cleanup`.
final class CurlMultiMailbox: Sendable {
    private let state = Mutex(State())

    private struct State {
        /// The transfer thread's multi handle, for `curl_multi_wakeup` only; nil before the thread
        /// created it and after it is cleaned up.
        var multi: WakeupHandle?
        var incoming: [HTTPTransferTicket] = []
        var cancelled: [HTTPTransferTicket] = []
        /// Set once the client stops; tickets submitted afterwards fail with it.
        var stopReason: HTTPError?
        var isClosed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []

        func wake() {
            if let multi { _ = curl_multi_wakeup(multi.pointer) }
        }
    }

    /// The multi handle as callers may use it: for `curl_multi_wakeup` and nothing else.
    ///
    /// `@unchecked Sendable`: curl documents `curl_multi_wakeup` as callable from any thread; every
    /// other use of the handle stays on the transfer thread (`CurlMultiLoop`). The pointer is only
    /// dereferenced under the mailbox lock while published, i.e. before `curl_multi_cleanup`.
    private struct WakeupHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// Work the transfer thread takes in one go.
    struct Work {
        var incoming: [HTTPTransferTicket]
        var cancelled: [HTTPTransferTicket]
        var shouldStop: Bool
    }

    // MARK: Callers

    /// Queues `ticket` for the transfer thread.
    /// - Returns: nil when queued; the reason when the client no longer accepts work.
    func submit(_ ticket: HTTPTransferTicket) -> HTTPError? {
        state.withLock { state in
            if let reason = state.stopReason { return reason }
            state.incoming.append(ticket)
            state.wake()
            return nil
        }
    }

    /// Asks the transfer thread to drop `ticket`'s transfer (the ticket is already finished).
    func cancel(_ ticket: HTTPTransferTicket) {
        state.withLock { state in
            guard state.stopReason == nil else { return }
            state.cancelled.append(ticket)
            state.wake()
        }
    }

    /// Tells the transfer thread to fail everything and free its handles; returns at once.
    func requestStop(_ reason: HTTPError = .shutDown) {
        state.withLock { state in
            guard state.stopReason == nil else { return }
            state.stopReason = reason
            state.wake()
        }
    }

    /// Returns once the transfer thread has freed every curl handle.
    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.withLock { state in
                if !state.isClosed { state.closeWaiters.append(continuation) }
                return state.isClosed
            }
            if closed { continuation.resume() }
        }
    }

    // MARK: Transfer thread

    /// Makes `multi` reachable for wakeups. Transfer thread only.
    func publish(_ multi: UnsafeMutableRawPointer) {
        let handle = WakeupHandle(pointer: multi)
        state.withLock { $0.multi = handle }
    }

    /// Takes everything posted since the last call. Transfer thread only.
    func takeWork() -> Work {
        state.withLock { state in
            defer {
                state.incoming.removeAll()
                state.cancelled.removeAll()
            }
            return Work(incoming: state.incoming, cancelled: state.cancelled, shouldStop: state.stopReason != nil)
        }
    }

    /// Stops wakeups (call before `curl_multi_cleanup`) and hands back the reason and the tickets
    /// that never reached the thread. Transfer thread only.
    func unpublish(reason: HTTPError) -> (reason: HTTPError, unstarted: [HTTPTransferTicket]) {
        state.withLock { state in
            state.multi = nil
            if state.stopReason == nil { state.stopReason = reason }
            defer { state.incoming.removeAll() }
            return (state.stopReason ?? reason, state.incoming)
        }
    }

    /// Records that every handle is freed and resumes `waitUntilClosed` callers. Transfer thread only.
    func markClosed() {
        let waiters = state.withLock { state in
            state.isClosed = true
            defer { state.closeWaiters.removeAll() }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
