/// A message waiting to go to the broker, numbered in the order `publish` accepted it.
struct MQTTOutboundMessage: Sendable, Equatable {
    var topic: String
    var payload: [UInt8]
    /// Acceptance order; restores the original order when un-acknowledged messages come back.
    var sequence: UInt64
}

/// The bounded FIFO in front of the broker: messages not yet handed to libmosquitto.
///
/// When it is full the oldest message is dropped to make room, because the newest events
/// describe the current state best. Amortised O(1) at both ends that matter (append, take
/// first); putting messages back at the front happens once per reconnect.
struct MQTTOutboundQueue {
    /// The most messages kept; at least 1.
    let capacity: Int
    private var storage: [MQTTOutboundMessage] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Messages waiting.
    var count: Int { storage.count - head }

    var isEmpty: Bool { count == 0 }

    /// Adds `message` last, dropping the oldest when full.
    /// - Returns: how many messages were dropped (0 or 1).
    mutating func append(_ message: MQTTOutboundMessage) -> Int {
        storage.append(message)
        return trimToCapacity()
    }

    /// Takes the oldest message.
    mutating func popFirst() -> MQTTOutboundMessage? {
        guard head < storage.count else { return nil }
        let message = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return message
    }

    /// Puts messages back in front of the waiting ones (un-acknowledged messages after a lost
    /// connection), keeping their order, then drops the oldest beyond the capacity.
    /// - Returns: how many messages were dropped.
    mutating func prepend(_ messages: [MQTTOutboundMessage]) -> Int {
        guard !messages.isEmpty else { return 0 }
        storage.replaceSubrange(head..<head, with: messages)
        return trimToCapacity()
    }

    /// The waiting messages, oldest first (for tests and diagnostics).
    var messages: [MQTTOutboundMessage] { Array(storage[head...]) }

    private mutating func trimToCapacity() -> Int {
        let excess = count - capacity
        guard excess > 0 else { return 0 }
        head += excess
        if head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return excess
    }
}
