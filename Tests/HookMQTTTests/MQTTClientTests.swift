import Foundation
import HookMQTT
import Synchronization
import Testing

/// libmosquitto against the real mosquitto broker that `make test` starts on a loopback port.
struct MQTTClientTests {
    func brokerPort() throws -> Int {
        let text = try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_MQTT_PORT"],
                                "HOOKD_TEST_MQTT_PORT is not set: run the tests with `make test`, which starts mosquitto")
        return try #require(Int(text))
    }

    @Test func aPublishedMessageReachesASubscriber() throws {
        let port = try brokerPort()
        let topic = "hookd-test/\(UUID().uuidString)"
        let received = Mutex<[MQTTMessage]>([])
        let subscriber = try MQTTClient(clientID: "hookd-test-sub-\(UUID().uuidString.prefix(8))")
        subscriber.onMessage { message in received.withLock { $0.append(message) } }
        try subscriber.connect(host: "127.0.0.1", port: port)
        try subscriber.subscribe(topic, qos: 1)
        let publisher = try MQTTClient(clientID: "hookd-test-pub-\(UUID().uuidString.prefix(8))")
        try publisher.connect(host: "127.0.0.1", port: port)
        let payload = Array(#"{"event":"webhook_request","webhook_code":"STRIPE"}"#.utf8)
        // The subscription is confirmed asynchronously; publish until the first copy arrives.
        let deadline = Date().addingTimeInterval(10)
        while received.withLock({ $0.isEmpty }) && Date() < deadline {
            try publisher.publish(topic, payload: payload, qos: 1)
            usleep(200_000)
        }
        let first = try #require(received.withLock { $0.first })
        #expect(first.topic == topic)
        #expect(first.payload == payload)
    }

    @Test func connectingToAClosedPortIsAClearError() throws {
        let client = try MQTTClient(clientID: "hookd-test-closed")
        #expect {
            try client.connect(host: "127.0.0.1", port: 1)
        } throws: { error in
            "\(error)".contains("cannot connect to 127.0.0.1:1")
        }
    }
}
