@testable import HookDaemon
import Foundation
import HookCore
import HookJSON
import HookMQTT
import Synchronization
import HookTestSupport
import Testing

/// The `mqtt` alert channel against a real mosquitto broker the test starts and stops by pid.
struct MQTTAlertChannelTests {
    private func event(code: String = "STRIPE_PAYMENT") -> AlertEvent {
        AlertEngine(settings: AlertingSettings(), host: "test-host", now: { 1_700_000_000 })
            .testEvent(webhookCode: code, severity: .critical)
    }

    @Test func anAlertArrivesAsCompactJSONOnItsWebhooksTopic() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let prefix = "hookd-test-\(UUID().uuidString.prefix(8))/"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: "\(prefix)webhook/alerts/#",
                                                    probeTopic: "\(prefix)webhook/alerts/PROBE")

        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-alert-pub-\(broker.port)")
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: prefix)
        #expect(channel.name == "mqtt")
        let alert = event()
        try await channel.deliver(alert)

        let topic = "\(prefix)webhook/alerts/STRIPE_PAYMENT"
        #expect(await poll { subscriber.received.contains { $0.topic == topic } })
        let message = try #require(subscriber.received.first { $0.topic == topic })
        #expect(message.payload == alert.json.encoded())
        #expect(!message.payload.contains(UInt8(ascii: "\n")))
        let decoded = try JSONValue.parse(String(decoding: message.payload, as: UTF8.self))
        #expect(decoded["event"]?.stringValue == "webhook_alert")
        #expect(decoded["webhook_code"]?.stringValue == "STRIPE_PAYMENT")
    }

    @Test func anAbsentBrokerDoesNotFailTheChannel() async throws {
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: try TestBroker.unusedPort(), clientID: "hookd-test-alert-absent")
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: "")
        try await channel.deliver(event())
        #expect(publisher.queuedCount == 1)
        #expect(channel.topic(for: "STRIPE") == "webhook/alerts/STRIPE")
    }

    @Test func aShutDownPublisherIsAPermanentFailure() async throws {
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: try TestBroker.unusedPort(), clientID: "hookd-test-alert-closed")
        await publisher.shutdown(flushTimeout: .zero)
        let channel = MQTTAlertChannel(publisher: publisher, topicPrefix: "hookd/")
        await #expect {
            try await channel.deliver(event())
        } throws: { error in
            (error as? ChannelFailure)?.permanent == true
        }
    }

    /// Polls `condition` every 50 ms for up to 10 s, running `probe` before each look.
    private func poll(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            if condition() { return true }
        }
        return condition()
    }
}

