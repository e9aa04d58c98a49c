import Synchronization

/// Runs one piece of work per key at a time; callers that arrive while it runs share its result.
///
/// This is what turns a hundred concurrent cache misses for one webhook into one upstream call.
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let running = Mutex<[Key: Task<Value, Never>]>([:])

    public init() {}

    public func run(_ key: Key, _ work: @escaping @Sendable () async -> Value) async -> Value {
        let (task, leads) = running.withLock { running -> (Task<Value, Never>, Bool) in
            if let existing = running[key] { return (existing, false) }
            let task = Task { await work() }
            running[key] = task
            return (task, true)
        }
        let value = await task.value
        if leads { running.withLock { _ = $0.removeValue(forKey: key) } }
        return value
    }
}
