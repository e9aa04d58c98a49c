import CMosquitto
import Synchronization

/// A message as an MQTT subscriber receives it.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
}

/// An MQTT failure: what was attempted and libmosquitto's reason.
public struct MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { "mqtt: \(message)" }
}

/// One libmosquitto client, running its network loop on mosquitto's own thread.
///
/// Owns the `struct mosquitto` handle and destroys it once, after stopping the loop. Sendable
/// because libmosquitto's publish and subscribe are thread-safe and the only Swift state touched
/// from the loop thread (the message handler) is behind a Mutex.
public final class MQTTClient: @unchecked Sendable {
    private let handle: OpaquePointer
    private let messageHandler = Mutex<(@Sendable (MQTTMessage) -> Void)?>(nil)

    private static let libraryInit: Int32 = mosquitto_lib_init()

    /// Creates a client; nothing is sent until `connect`.
    /// - Parameters:
    ///   - clientID: The MQTT client id.
    ///   - cleanSession: false asks the broker to keep this client's subscriptions and its QoS ≥ 1
    ///     messages while it is away (a persistent session, found again by `clientID`).
    public init(clientID: String, cleanSession: Bool = true) throws(MQTTError) {
        _ = Self.libraryInit
        // The handle's user data must point at self, which does not exist yet: set it below.
        guard let handle = mosquitto_new(clientID, cleanSession, nil) else {
            throw MQTTError(message: "mosquitto_new failed for client \(clientID)")
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let context, let message else { return }
            let client = Unmanaged<MQTTClient>.fromOpaque(context).takeUnretainedValue()
            let payload = message.pointee.payload.map {
                Array(UnsafeRawBufferPointer(start: $0, count: Int(message.pointee.payloadlen)))
            } ?? []
            let topic = message.pointee.topic.map { String(cString: $0) } ?? ""
            client.messageHandler.withLock { $0 }?(MQTTMessage(topic: topic, payload: payload))
        }
    }

    deinit {
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, true)
        mosquitto_destroy(handle)
    }

    /// Connects (blocking, bounded by the TCP connect) and starts the network thread.
    public func connect(host: String, port: Int, keepAliveSeconds: Int = 30) throws(MQTTError) {
        try check(mosquitto_connect(handle, host, Int32(port), Int32(keepAliveSeconds)), "connect to \(host):\(port)")
        try check(mosquitto_loop_start(handle), "start the network loop")
    }

    /// Called on mosquitto's thread for every message of a subscribed topic.
    public func onMessage(_ handler: @escaping @Sendable (MQTTMessage) -> Void) {
        messageHandler.withLock { $0 = handler }
    }

    public func subscribe(_ topic: String, qos: Int = 1) throws(MQTTError) {
        try check(mosquitto_subscribe(handle, nil, topic, Int32(qos)), "subscribe to \(topic)")
    }

    /// Queues a message for sending; returns at once (libmosquitto sends on its thread).
    public func publish(_ topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) throws(MQTTError) {
        let code = payload.withUnsafeBytes { raw in
            mosquitto_publish(handle, nil, topic, Int32(raw.count), raw.baseAddress, Int32(qos), retain)
        }
        try check(code, "publish to \(topic)")
    }

    private func check(_ code: Int32, _ action: String) throws(MQTTError) {
        guard code != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
        throw MQTTError(message: "cannot \(action): \(String(cString: mosquitto_strerror(code)))")
    }
}
