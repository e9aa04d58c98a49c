import Synchronization

/// Runs one piece of work per key at a time; callers that arrive while it runs share its result.
///
/// This is what turns a hundred concurrent cache misses for one webhook into one upstream call.
/// The first caller runs the work in its own task; later callers wait on a continuation, so a
/// flight costs no task of its own.
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// For each key in flight, the callers waiting for its result.
    private let waiting = Mutex<[Key: [CheckedContinuation<Value?, Never>]]>([:])

    public init() {}

    public func run(_ key: Key, _ work: @Sendable () async -> Value) async -> Value {
        // A follower is resumed with the leader's value; the leader with nil, at once.
        let shared = await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let leads = waiting.withLock { waiting -> Bool in
                guard waiting[key] == nil else {
                    waiting[key]?.append(continuation)
                    return false
                }
                waiting[key] = []
                return true
            }
            if leads { continuation.resume(returning: nil) }
        }
        if let shared { return shared }
        let value = await work()
        let followers = waiting.withLock { $0.removeValue(forKey: key) ?? [] }
        for follower in followers { follower.resume(returning: value) }
        return value
    }
}
