import Synchronization

/// Resumes a continuation the first time it is asked to and ignores later asks: for a wait that
/// ends at whichever comes first, the work or its timeout.
final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume() {
        continuation.withLock { waiting -> CheckedContinuation<Void, Never>? in
            defer { waiting = nil }
            return waiting
        }?.resume()
    }
}
