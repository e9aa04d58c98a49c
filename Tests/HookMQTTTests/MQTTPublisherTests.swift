import Foundation
@testable import HookMQTT
import Synchronization
import HookTestSupport
import Testing

/// MQTTPublisher against real mosquitto brokers that each test starts, stops and restarts itself.
struct MQTTPublisherTests {
    // MARK: The queue on its own

    @Test func aFullQueueDropsTheOldestMessage() {
        var queue = MQTTOutboundQueue(capacity: 3)
        var dropped = 0
        for index: UInt64 in 0..<5 { dropped += queue.append(message(index)) }
        #expect(dropped == 2)
        #expect(queue.messages.map(\.sequence) == [2, 3, 4])
        #expect(queue.popFirst()?.sequence == 2)
        #expect(queue.count == 2)
    }

    @Test func messagesPutBackGoFirstInTheirOrderWithinTheCapacity() {
        var queue = MQTTOutboundQueue(capacity: 4)
        _ = queue.append(message(5))
        _ = queue.append(message(6))
        #expect(queue.prepend([message(2), message(3), message(4)]) == 1)
        #expect(queue.messages.map(\.sequence) == [3, 4, 5, 6])
    }

    @Test func pastTheByteBoundTheOldestMessagesAreDropped() {
        var queue = MQTTOutboundQueue(capacity: 100, maximumBytes: 1_000)
        var dropped = 0
        // 300 bytes each: 8 topic bytes, 292 payload bytes.
        for index: UInt64 in 0..<5 { dropped += queue.append(message(index, payloadBytes: 292)) }
        #expect(dropped == 2, "three messages of 300 bytes fit in 1000, a fourth would not")
        #expect(queue.messages.map(\.sequence) == [2, 3, 4])
        #expect(queue.bytes == 900)
        #expect(queue.popFirst()?.sequence == 2)
        #expect(queue.bytes == 600)
        #expect(queue.append(message(5, payloadBytes: 392)) == 0, "600 + 400 is within the bound")
        #expect(queue.bytes == 1_000)
    }

    @Test func aMessageLargerThanTheWholeByteBoundIsDroppedItself() {
        var queue = MQTTOutboundQueue(capacity: 100, maximumBytes: 1_000)
        _ = queue.append(message(0, payloadBytes: 92))
        #expect(queue.append(message(1, payloadBytes: 2_000)) == 2, "the big one pushes out the small one, then goes too")
        #expect(queue.isEmpty)
        #expect(queue.bytes == 0)
        #expect(queue.append(message(2, payloadBytes: 92)) == 0, "the queue works on afterwards")
        #expect(queue.messages.map(\.sequence) == [2])
    }

    @Test func messagesPutBackCountAgainstTheByteBoundAndTheOldestGo() {
        var queue = MQTTOutboundQueue(capacity: 100, maximumBytes: 1_000)
        _ = queue.append(message(5, payloadBytes: 292))
        _ = queue.append(message(6, payloadBytes: 292))
        #expect(queue.prepend([message(2, payloadBytes: 292), message(3, payloadBytes: 292), message(4, payloadBytes: 292)]) == 2)
        #expect(queue.messages.map(\.sequence) == [4, 5, 6])
        #expect(queue.bytes == 900)
    }

    @Test func theByteBoundHoldsOverManyMessagesOfMixedSizes() {
        var queue = MQTTOutboundQueue(capacity: 10_000, maximumBytes: 65_536)
        var dropped = 0
        for index: UInt64 in 0..<20_000 { dropped += queue.append(message(index, payloadBytes: Int(index % 700))) }
        #expect(queue.bytes <= 65_536)
        #expect(queue.bytes == queue.messages.reduce(0) { $0 + $1.byteCount }, "the running total matches the messages")
        #expect(dropped + queue.count == 20_000, "every message is either waiting or counted as dropped")
        #expect(queue.messages.last?.sequence == 19_999)
    }

    // MARK: The caller's side

    @Test func publishingNeverWaitsForAnAbsentBroker() async throws {
        let port = try TestBroker.unusedPort()
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: port, clientID: "hookd-test-nowait-\(port)")
        let payload = Array(repeating: UInt8(ascii: "x"), count: 256)
        let start = ContinuousClock.now
        for index in 0..<1_000 { try publisher.publish(topic: "hookd-test/nowait/\(index)", payload: payload) }
        #expect(ContinuousClock.now - start < .milliseconds(500))
        #expect(publisher.queuedCount == 1_000)
        #expect(!publisher.isConnected)
        let stopping = ContinuousClock.now
        #expect(await publisher.shutdown(flushTimeout: .milliseconds(100)) == 1_000)
        #expect(ContinuousClock.now - stopping < .seconds(3))
    }

    @Test func aShutDownPublisherRefusesMessagesAndInvalidTopicsAreRefused() async throws {
        let port = try TestBroker.unusedPort()
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: port, clientID: "hookd-test-refuse-\(port)")
        #expect(throws: MQTTError.self) { try publisher.publish(topic: "hookd-test/#", payload: []) }
        #expect(throws: MQTTError.self) { try publisher.publish(topic: "", payload: []) }
        await publisher.shutdown(flushTimeout: .zero)
        #expect(await publisher.shutdown() == 0)
        #expect {
            try publisher.publish(topic: "hookd-test/late", payload: [1])
        } throws: { error in
            "\(error)".contains("shut down")
        }
    }

    @Test func invalidSettingsAreClearErrors() {
        #expect(throws: MQTTError.self) { _ = try MQTTPublisher(host: "127.0.0.1", port: 1883, clientID: "x", qos: 3) }
        #expect(throws: MQTTError.self) { _ = try MQTTPublisher(host: "127.0.0.1", port: 0, clientID: "x") }
        #expect(throws: MQTTError.self) { _ = try MQTTPublisher(host: "", port: 1883, clientID: "x") }
    }

    // MARK: With a broker

    @Test func aPublishedMessageReachesASubscriberWithItsTopicAndPayload() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let topic = "hookd-test/\(UUID().uuidString)/webhook/requests"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic)
        let statuses = Mutex<[MQTTPublisher.Status]>([])
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-pub-\(broker.port)") { status in
            statuses.withLock { $0.append(status) }
        }
        let payload = Array(#"{"event":"webhook_request","webhook_code":"STRIPE"}"#.utf8)
        try publisher.publish(topic: topic, payload: payload)

        #expect(await eventually { subscriber.received.count >= 1 })
        #expect(subscriber.received.first == MQTTMessage(topic: topic, payload: payload))
        #expect(await eventually { publisher.queuedCount == 0 && publisher.deliveredCount == 1 })
        #expect(statuses.withLock { $0 } == [.connected])
    }

    @Test func overTLSTheMessageReachesASubscriberWhenTheBrokersCAIsTrusted() async throws {
        let broker = try await TestBroker.start(tls: true)
        defer { broker.stop() }
        let tlsPort = try #require(broker.tlsPort)
        let topic = "hookd-test/\(UUID().uuidString)/tls"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic)  // on the plain listener
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: tlsPort, clientID: "hookd-test-tls-\(tlsPort)",
                                          tls: MQTTTLS(caFile: broker.certificateFile))
        try publisher.publish(topic: topic, payload: Array("over TLS".utf8))
        #expect(await eventually { subscriber.received.count >= 1 })
        #expect(subscriber.received.first?.payload == Array("over TLS".utf8))
        #expect(publisher.isConnected)
    }

    @Test func overTLSABrokerWhoseCertificateIsNotTrustedGetsNothing() async throws {
        let broker = try await TestBroker.start(tls: true)
        defer { broker.stop() }
        let tlsPort = try #require(broker.tlsPort)
        let topic = "hookd-test/\(UUID().uuidString)/untrusted"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic)
        // The system's CAs do not include the broker's self-signed certificate.
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: tlsPort, clientID: "hookd-test-untrusted-\(tlsPort)", tls: MQTTTLS())
        try publisher.publish(topic: topic, payload: Array("must not arrive".utf8))
        try await Task.sleep(for: .seconds(2))
        #expect(!publisher.isConnected)
        #expect(subscriber.received.isEmpty)
        #expect(publisher.queuedCount == 1, "the message waits for a broker it can trust")
    }

    @Test func aClientCertificateNeedsItsKey() {
        #expect(throws: MQTTError.self) {
            _ = try MQTTPublisher(host: "127.0.0.1", port: 8883, clientID: "x", tls: MQTTTLS(certificateFile: "/tmp/cert.pem"))
        }
    }

    @Test func messagesPublishedBeforeTheBrokerStartsAreDeliveredWhenItComes() async throws {
        let broker = try await TestBroker.start(persistent: true)
        defer { broker.stop() }
        let topic = "hookd-test/\(UUID().uuidString)/early"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic, persistentSession: true)
        broker.stop()

        let statuses = Mutex<[MQTTPublisher.Status]>([])
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-early-\(broker.port)",
                                          reconnectDelaySeconds: 1...2) { status in statuses.withLock { $0.append(status) } }
        for index in 0..<10 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }
        #expect(publisher.queuedCount == 10)
        #expect(!publisher.isConnected)

        try await broker.restart()
        #expect(await eventually { subscriber.payloads.count >= 10 })
        #expect(subscriber.payloads == (0..<10).map { "m-\($0)" })
        #expect(await eventually { publisher.queuedCount == 0 })
        let seen = statuses.withLock { $0 }
        #expect(seen.last == .connected)
        // The refused first attempt is reported, so the health board shows the broker as away.
        guard case .disconnected(let reason)? = seen.first else {
            Issue.record("the first status is \(String(describing: seen.first)), not disconnected")
            return
        }
        #expect(reason.contains("127.0.0.1:\(broker.port)"))
    }

    @Test func aBrokerRestartMidStreamLosesNothingThatWasQueued() async throws {
        let broker = try await TestBroker.start(persistent: true)
        defer { broker.stop() }
        let topic = "hookd-test/\(UUID().uuidString)/stream"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic, persistentSession: true)
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-stream-\(broker.port)",
                                          reconnectDelaySeconds: 1...2)
        #expect(await eventually { publisher.isConnected })

        // Before: a burst, and the broker goes while much of it awaits its PUBACK.
        for index in 0..<200 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }
        broker.stop()
        // During: the broker is gone.
        for index in 200..<300 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }
        try await broker.restart()
        // After: straight away, whether or not the publisher has reconnected yet.
        for index in 300..<400 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }

        let expected = Set((0..<400).map { "m-\($0)" })
        #expect(await eventually(seconds: 30) { expected.isSubset(of: Set(subscriber.payloads)) })
        let missing = expected.subtracting(subscriber.payloads)
        #expect(missing.isEmpty, "missing \(missing.count): \(missing.sorted().prefix(10))")
        #expect(await eventually { publisher.queuedCount == 0 })
        #expect(publisher.overflowCount == 0)
    }

    @Test func anOverflowDropsTheOldestAndTheNewestAreDeliveredLater() async throws {
        let broker = try await TestBroker.start(persistent: true)
        defer { broker.stop() }
        let topic = "hookd-test/\(UUID().uuidString)/overflow"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic, persistentSession: true)
        broker.stop()

        let overflows = Mutex<[Int]>([])
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-overflow-\(broker.port)",
                                          queueSize: 5, reconnectDelaySeconds: 1...2) { status in
            if case .overflow(let total) = status { overflows.withLock { $0.append(total) } }
        }
        for index in 0..<8 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }
        #expect(publisher.overflowCount == 3)
        #expect(publisher.queuedCount == 5)
        #expect(overflows.withLock { $0 } == [1, 2, 3])

        try await broker.restart()
        #expect(await eventually { subscriber.payloads.count >= 5 })
        #expect(subscriber.payloads == (3..<8).map { "m-\($0)" })
    }

    @Test func shutdownFlushesWhatIsQueuedBeforeDisconnecting() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let topic = "hookd-test/\(UUID().uuidString)/flush"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: topic)
        let publisher = try MQTTPublisher(host: "127.0.0.1", port: broker.port, clientID: "hookd-test-flush-\(broker.port)")
        #expect(await eventually { publisher.isConnected })
        for index in 0..<100 { try publisher.publish(topic: topic, payload: Array("m-\(index)".utf8)) }
        #expect(await publisher.shutdown(flushTimeout: .seconds(5)) == 0)
        #expect(publisher.deliveredCount == 100)
        #expect(await eventually { subscriber.payloads.count >= 100 })
        #expect(subscriber.payloads == (0..<100).map { "m-\($0)" })
    }

    private func message(_ sequence: UInt64) -> MQTTOutboundMessage {
        MQTTOutboundMessage(topic: "t", payload: [], sequence: sequence)
    }

    /// A message of 8 topic bytes and `payloadBytes` payload bytes.
    private func message(_ sequence: UInt64, payloadBytes: Int) -> MQTTOutboundMessage {
        MQTTOutboundMessage(topic: "hookd/mq", payload: Array(repeating: 0x2A, count: payloadBytes), sequence: sequence)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass, without blocking a thread.
func eventually(seconds: Double = 15, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
