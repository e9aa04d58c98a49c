import Foundation
import HookClient
import HookJSON
import HookMQTT
import HookTestSupport
import Testing

/// hookd publishing its structured log lines to a real mosquitto broker over TLS, read back by a
/// subscriber on the broker's plain listener.
struct MQTTPublishingTests {
    static let secret = "sk_fake_mqtt_publishing_41c9"

    @Test func requestResponseAndValidationLinesArriveMaskedOverTLS() throws {
        let broker = try TestBroker.startBlocking(tls: true)
        defer { broker.stop() }
        let tlsPort = try #require(broker.tlsPort)
        let prefix = "hookd-test-\(UUID().uuidString.prefix(8))/"
        let subscriber = try TestSubscriber.connect(port: broker.port, topic: "\(prefix)webhook/#", probeTopic: "\(prefix)webhook/probe")

        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_STRIPE_OUT"] = Self.secret
        let daemon = try DaemonProcess(configuration: """
            mqtt:
              enabled: true
              host: 127.0.0.1
              port: \(tlsPort)
              tls: true
              ca_file: \(broker.certificateFile)
              client_id: hookd-test-logs-\(tlsPort)
              topic_prefix: \(prefix)
            structured_logging:
              mqtt_enabled: true
            """, environment: environment)
        let client = daemon.client()
        _ = try client.call("webhook.upsert", params: ["code": "STRIPE", "type": "SERVICE", "auth_type": "bearer", "credential": ["source": "env"]])
        _ = try client.call("credential.get", params: ["code": "STRIPE"])  // hookd now knows the secret, to mask it anywhere
        let request = try client.call("log.request", params: [
            "webhook_code": "STRIPE", "method": "POST", "url": .string("https://api.stripe.test/v1/charges?api_key=\(Self.secret)"),
            "headers": ["Authorization": .string("Bearer \(Self.secret)")], "payload": ["note": .string("token \(Self.secret)")],
        ])
        _ = try client.call("log.response", params: [
            "webhook_code": "STRIPE", "guid": request["guid"] ?? .null, "status_code": 200, "duration": 0.2, "success": true,
            "response_body": .string("echo \(Self.secret)"), "error": .string("upstream said: bad key \(Self.secret)"),
        ])
        _ = try client.call("validate.one", params: ["code": "STRIPE"])

        let topics = ["requests", "responses", "validations"].map { "\(prefix)webhook/\($0)" }
        #expect(TestEnvironment.wait(seconds: 15) { let seen = subscriber.received.map(\.topic); return topics.allSatisfy(seen.contains) },
                "topics seen: \(subscriber.received.map(\.topic))")
        #expect(try client.health()["components"]?["mqtt"]?["status"] == "ok")
        for message in subscriber.received where topics.contains(message.topic) {
            let text = String(decoding: message.payload, as: UTF8.self)
            #expect(!text.contains(Self.secret), "a secret reached MQTT on \(message.topic)")
            let line = try JSONValue.parse(text)
            #expect(line["webhook_code"] == "STRIPE" || line["code"] == "STRIPE")
        }
        let validation = try #require(subscriber.received.first { $0.topic.hasSuffix("webhook/validations") })
        #expect(try JSONValue.parse(validation.payload)["event"] == "webhook_validation")
        #expect(try JSONValue.parse(validation.payload)["status"] == "UNTESTED")
    }
}
