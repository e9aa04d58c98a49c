/// A message waiting to go to the broker, numbered in the order `publish` accepted it.
struct MQTTOutboundMessage: Sendable, Equatable {
    var topic: String
    var payload: [UInt8]
    /// Acceptance order; restores the original order when un-acknowledged messages come back.
    var sequence: UInt64

    /// What the message counts against the queue's byte bound: its topic and payload.
    var byteCount: Int { topic.utf8.count + payload.count }
}

/// The bounded FIFO in front of the broker: messages not yet handed to libmosquitto.
///
/// Bounded twice: by message count (`mqtt.queue_size`) and by bytes (`mqtt.max_queue_bytes`,
/// topics and payloads), so a broker that stays away costs a known amount of memory whether the
/// events are small or large. Past either bound the oldest messages are dropped to make room,
/// because the newest events describe the current state best; a message larger than the whole
/// byte bound is dropped itself. Amortised O(1) at both ends that matter (append, take first);
/// putting messages back at the front happens once per reconnect.
struct MQTTOutboundQueue {
    /// The most messages kept; at least 1.
    let capacity: Int
    /// The most bytes (topics and payloads) kept; at least 1.
    let maximumBytes: Int
    private var storage: [MQTTOutboundMessage] = []
    private var head = 0
    /// Bytes of the waiting messages.
    private(set) var bytes = 0

    init(capacity: Int, maximumBytes: Int = .max) {
        self.capacity = max(1, capacity)
        self.maximumBytes = max(1, maximumBytes)
    }

    /// Messages waiting.
    var count: Int { storage.count - head }

    var isEmpty: Bool { count == 0 }

    /// Adds `message` last, dropping the oldest while either bound is exceeded.
    /// - Returns: how many messages were dropped (the new one too, when it alone is over the byte bound).
    mutating func append(_ message: MQTTOutboundMessage) -> Int {
        storage.append(message)
        bytes += message.byteCount
        return trimToBounds()
    }

    /// Takes the oldest message.
    mutating func popFirst() -> MQTTOutboundMessage? {
        guard head < storage.count else { return nil }
        let message = storage[head]
        head += 1
        bytes -= message.byteCount
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
    /// connection), keeping their order, then drops the oldest beyond the bounds.
    /// - Returns: how many messages were dropped.
    mutating func prepend(_ messages: [MQTTOutboundMessage]) -> Int {
        guard !messages.isEmpty else { return 0 }
        storage.replaceSubrange(head..<head, with: messages)
        for message in messages { bytes += message.byteCount }
        return trimToBounds()
    }

    /// The waiting messages, oldest first (for tests and diagnostics).
    var messages: [MQTTOutboundMessage] { Array(storage[head...]) }

    private mutating func trimToBounds() -> Int {
        var dropped = 0
        while head < storage.count && (count > capacity || bytes > maximumBytes) {
            bytes -= storage[head].byteCount
            head += 1
            dropped += 1
        }
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if dropped > 0 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return dropped
    }
}
