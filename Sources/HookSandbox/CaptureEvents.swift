import HookJSON
import Synchronization

/// Fans each new capture out to the `/api/events` streams that are open.
///
/// Every subscriber gets its own buffered stream (the newest 1 000 events: a reader that falls
/// that far behind loses the oldest, not the sandbox's memory). `finishAll` ends every stream,
/// so open event streams never hold up shutdown.
public final class CaptureEvents: Sendable {
    /// What an event stream carries.
    public enum Event: Sendable, Equatable {
        /// A new capture, as API JSON.
        case capture(JSONValue)
        /// Nothing new: written as an SSE comment so a closed client is noticed and its stream ended.
        case heartbeat
    }

    /// How often `/api/events` streams get a heartbeat.
    static let heartbeatInterval: Duration = .seconds(15)

    private struct State {
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextID = 0
        var isFinished = false
    }

    private let state = Mutex(State())

    /// No subscribers yet.
    public init() {}

    /// A stream of captures (as API JSON) published from now on; it ends at shutdown, or when
    /// its continuation is finished (the event stream's own graceful-shutdown handler does).
    public func subscribe() -> (stream: AsyncStream<Event>, continuation: AsyncStream<Event>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1000))
        let id: Int? = state.withLock { state in
            guard !state.isFinished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return (stream, continuation)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (stream, continuation)
    }

    /// The number of open streams (tests wait for a subscriber before sending).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Sends a capture to every open stream.
    func publish(_ event: Event) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Ends every stream and refuses new subscribers (shutdown).
    func finishAll() {
        let subscribers = state.withLock { state in
            state.isFinished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
