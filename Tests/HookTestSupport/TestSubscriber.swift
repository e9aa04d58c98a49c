import Foundation
import HookMQTT
import Synchronization

/// An MQTT client subscribed to one topic filter, collecting what arrives. The subscription is
/// proven before `connect` returns by a probe the client publishes itself (libmosquitto does not
/// report SUBACK to us); probes are left out of `received`.
public final class TestSubscriber: Sendable {
    public let client: MQTTClient
    private let messages = Mutex<[MQTTMessage]>([])
    private static let probe = Array("hookd-test-probe".utf8)

    private init(client: MQTTClient) {
        self.client = client
    }

    /// Subscribes to `topic` (a filter may hold wildcards; then `probeTopic` must be a topic it
    /// matches) and waits at most 10 s for the probe to come back. Blocks the calling thread.
    /// - Parameter persistentSession: keep the subscription and queued messages on the broker
    ///   (which must persist them) across the subscriber's and the broker's restarts.
    public static func connect(port: Int, topic: String, probeTopic: String? = nil, persistentSession: Bool = false) throws -> TestSubscriber {
        let client = try MQTTClient(clientID: "hookd-test-sub-\(UUID().uuidString.prefix(12))", cleanSession: !persistentSession)
        let subscriber = TestSubscriber(client: client)
        client.onMessage { message in subscriber.messages.withLock { $0.append(message) } }
        try client.connect(host: "127.0.0.1", port: port)
        try client.subscribe(topic, qos: 1)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !subscriber.probed {
            try client.publish(probeTopic ?? topic, payload: probe, qos: 1)
            usleep(100_000)
        }
        guard subscriber.probed else { throw TestSupportFailure("the subscription to \(topic) was never confirmed") }
        return subscriber
    }

    private var probed: Bool { messages.withLock { $0.contains { $0.payload == Self.probe } } }

    public var received: [MQTTMessage] { messages.withLock { $0.filter { $0.payload != Self.probe } } }

    public var payloads: [String] { received.map { String(decoding: $0.payload, as: UTF8.self) } }
}
