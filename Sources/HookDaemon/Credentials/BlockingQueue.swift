import Dispatch

/// Runs blocking work (SQLite, file reads) on a serial queue of its own, never on an event loop or
/// Swift's cooperative pool, and hands the result back to async code.
struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Starts `body` on the queue and returns at once: for work that answers its callers itself.
    func start(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    func run<Value: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(Failure) -> Value in try body() })
            }
        }
        return try result.get()
    }
}
