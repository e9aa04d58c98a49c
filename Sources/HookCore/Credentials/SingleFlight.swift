import Synchronization

/// Runs one piece of work per key at a time; callers that arrive while it runs share its result.
///
/// This is what turns a hundred concurrent cache misses for one webhook into one upstream call.
/// The first caller runs the work in its own task; later callers wait on a continuation, so a
/// flight costs no task of its own. `forget` detaches a running flight from its key (after an
/// invalidation): its callers still get its result, but the next caller starts a new flight.
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Flights {
        /// The flight new callers of a key join.
        var current: [Key: UInt64] = [:]
        /// Each flight's waiting callers, by flight.
        var followers: [UInt64: [CheckedContinuation<Value?, Never>]] = [:]
        var nextFlight: UInt64 = 0
    }

    private let flights = Mutex(Flights())

    public init() {}

    public func run(_ key: Key, _ work: @Sendable () async -> Value) async -> Value {
        var leading: UInt64? = nil
        // A follower is resumed with the leader's value; the leader with nil, at once.
        let shared = await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            leading = flights.withLock { flights -> UInt64? in
                if let flight = flights.current[key] {
                    flights.followers[flight]?.append(continuation)
                    return nil
                }
                flights.nextFlight += 1
                flights.current[key] = flights.nextFlight
                flights.followers[flights.nextFlight] = []
                return flights.nextFlight
            }
            if leading != nil { continuation.resume(returning: nil) }
        }
        if let shared { return shared }
        // Only a leader is resumed with nil, and a leader always has its flight.
        guard let flight = leading else { return await work() }
        let value = await work()
        let followers = flights.withLock { flights in
            if flights.current[key] == flight { flights.current[key] = nil }
            return flights.followers.removeValue(forKey: flight) ?? []
        }
        for follower in followers { follower.resume(returning: value) }
        return value
    }

    /// Detaches the running flights of every key matching `predicate`: callers from now on start anew.
    public func forget(where predicate: (Key) -> Bool) {
        flights.withLock { flights in
            for key in flights.current.keys where predicate(key) { flights.current[key] = nil }
        }
    }
}
