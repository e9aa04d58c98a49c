import CMosquitto

/// Publishes hookd's events to an MQTT broker without ever making a caller wait for it.
///
/// `publish(topic:payload:)` only puts the message in a bounded FIFO and returns. libmosquitto's
/// own thread connects (asynchronously, so a broker that is down at start is fine), reconnects
/// with exponential backoff, and sends the queue in order whenever it is connected. When the
/// queue is full (by message count or by bytes) the oldest message is dropped and counted
/// (`overflowCount`).
///
/// With QoS ≥ 1 a message counts as delivered only when the broker acknowledges it (PUBACK, or
/// PUBCOMP for QoS 2). Until then the publisher keeps its own copy and, if the connection
/// drops, sends it again after reconnecting, so a broker restart loses nothing that was queued;
/// the price is an occasional duplicate, which QoS 1 allows anyway.
///
/// Connection changes and overflows are reported through `onStatus` (on libmosquitto's thread or
/// the publishing caller's), so the daemon can put them on its health board without this module
/// knowing about one.
public final class MQTTPublisher: Sendable {
    /// Something the daemon's health report should reflect.
    public enum Status: Sendable, Equatable {
        /// The broker accepted the connection; queued messages are going out.
        case connected
        /// The connection failed or ended; messages wait in the queue while libmosquitto retries.
        case disconnected(reason: String)
        /// The queue was full (messages or bytes) and the oldest messages were dropped:
        /// `droppedTotal` since start.
        case overflow(droppedTotal: Int)
        /// libmosquitto refused one message for good (too large for MQTT); it was dropped.
        case rejected(topic: String, reason: String)
    }

    /// The largest payload MQTT can carry (its maximum remaining length).
    public static let maximumPayloadSize = 268_435_455
    /// How long `deinit` and `shutdown` wait for libmosquitto's thread to stop.
    static let teardownTimeout = Duration.seconds(2)
    /// The most messages awaiting a broker acknowledgement at once; libmosquitto's default is 20.
    static let inflightWindow = 32

    private let core: MQTTPublisherCore

    /// Starts connecting in the background and returns at once.
    ///
    /// - Parameters:
    ///   - host: The broker's host name or address.
    ///   - port: The broker's port, 1 to 65535.
    ///   - clientID: The MQTT client id; two clients with the same id push each other off the broker.
    ///   - username: Sent with `password` when not nil.
    ///   - password: Sent with `username`.
    ///   - qos: 0, 1 or 2 for every message. Only 1 and 2 survive a broker restart.
    ///   - queueSize: Messages kept while they cannot be sent (at least 1); past it the oldest go.
    ///   - maximumQueueBytes: Bytes (topics and payloads) kept while messages cannot be sent;
    ///     past it the oldest go, so large events cannot hold more memory than this. Default 8 MiB.
    ///   - keepAliveSeconds: MQTT keep-alive (at least 5, libmosquitto's minimum).
    ///   - reconnectDelaySeconds: First and longest wait between reconnect attempts; the wait
    ///     grows exponentially between them.
    ///   - onStatus: Told about connections, disconnections, overflows and rejected messages.
    ///     Called without any lock held, on libmosquitto's thread or a publishing caller's; keep
    ///     it short, and do not release the last reference to the publisher from it.
    /// - Throws: `MQTTError` for an invalid setting, or when libmosquitto cannot create the
    ///   client or start its thread. A broker that cannot be reached is not an error.
    public init(host: String, port: Int, clientID: String, username: String? = nil, password: String? = nil,
                tls: MQTTTLS? = nil, qos: Int = 1, queueSize: Int = 10_000, maximumQueueBytes: Int = 8 << 20,
                keepAliveSeconds: Int = 30,
                reconnectDelaySeconds: ClosedRange<Int> = 1...30,
                onStatus: @escaping @Sendable (Status) -> Void = { _ in }) throws(MQTTError) {
        guard (0...2).contains(qos) else { throw MQTTError(message: "qos must be 0, 1 or 2, not \(qos)") }
        guard (1...65_535).contains(port) else { throw MQTTError(message: "port must be 1 to 65535, not \(port)") }
        guard !host.isEmpty else { throw MQTTError(message: "the broker host is empty") }
        guard (tls?.certificateFile == nil) == (tls?.keyFile == nil) else {
            throw MQTTError(message: "a client certificate needs its key file, and a key file its certificate")
        }
        _ = MosquittoLibrary.initialized
        // A clean session: what must survive a reconnect is kept by this publisher, not the broker.
        guard let raw = mosquitto_new(clientID, true, nil) else {
            throw MQTTError(message: "mosquitto_new failed for client \(clientID)")
        }
        core = MQTTPublisherCore(handle: MosquittoHandle(raw: raw), brokerAddress: "\(host):\(port)", qos: Int32(qos),
                                 queueSize: queueSize, maximumQueueBytes: maximumQueueBytes, inflightWindow: Self.inflightWindow,
                                 reconnectDelaySeconds: reconnectDelaySeconds, onStatus: onStatus)
        try core.start(host: host, port: port, keepAliveSeconds: max(5, keepAliveSeconds), username: username, password: password, tls: tls)
    }

    /// Without a `shutdown` first, drops whatever is still queued and stops at once.
    deinit {
        core.shutdownNow()
    }

    /// Queues one message for the broker and returns at once, connected or not.
    ///
    /// When the queue is full (messages or bytes) the oldest waiting messages are dropped (and
    /// counted) to make room.
    /// - Parameters:
    ///   - topic: A concrete topic: not empty, no `+` or `#` wildcards.
    ///   - payload: The message body.
    /// - Throws: `MQTTError` only when the topic is not a valid publish topic, the payload is
    ///   larger than MQTT allows, or the publisher is shut down: never because of the broker.
    public func publish(topic: String, payload: [UInt8]) throws(MQTTError) {
        guard !topic.isEmpty, mosquitto_pub_topic_check(topic) == MosquittoLibrary.success else {
            throw MQTTError(message: "'\(topic)' is not a topic one can publish to")
        }
        guard payload.count <= Self.maximumPayloadSize else {
            throw MQTTError(message: "a \(payload.count)-byte payload is larger than MQTT allows")
        }
        try core.enqueue(topic: topic, payload: payload)
    }

    /// Messages accepted and not yet delivered: waiting in the queue or awaiting the broker's
    /// acknowledgement.
    public var queuedCount: Int { core.state.withLock { $0.undeliveredCount } }

    /// Messages dropped because the queue was full (messages or bytes), since start.
    public var overflowCount: Int { core.state.withLock { $0.overflowCount } }

    /// Messages the broker acknowledged (QoS ≥ 1) or that were written out (QoS 0), since start.
    public var deliveredCount: Int { core.state.withLock { $0.deliveredCount } }

    /// Messages libmosquitto refused for good (too large for MQTT), since start.
    public var rejectedCount: Int { core.state.withLock { $0.rejectedCount } }

    /// Whether the broker has accepted the current connection.
    public var isConnected: Bool { core.state.withLock { $0.connection == .connected } }

    /// Stops accepting messages, waits up to `flushTimeout` for the queue to be delivered, then
    /// disconnects and frees the client. Safe to call more than once; later calls return at once.
    ///
    /// Suspends (never blocks a thread) for up to `flushTimeout`, plus two seconds at most for
    /// libmosquitto's thread to stop.
    /// - Parameter flushTimeout: The longest wait for the queue to empty.
    /// - Returns: How many accepted messages were not delivered.
    @discardableResult
    public func shutdown(flushTimeout: Duration = .seconds(2)) async -> Int {
        await core.shutdown(flushTimeout: flushTimeout, teardownTimeout: Self.teardownTimeout)
    }
}
