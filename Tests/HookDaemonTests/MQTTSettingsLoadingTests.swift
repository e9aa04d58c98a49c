@testable import HookDaemon
import Testing

/// `mqtt.*` in the configuration file: the queue's two bounds.
struct MQTTSettingsLoadingTests {
    let loader = ConfigurationLoader(environment: [:], daemonUserID: 990)

    @Test func theQueueIsBoundedByMessagesAndByBytesByDefault() throws {
        let configuration = try loader.parse("", file: "c.yaml")
        #expect(configuration.mqtt.queueSize == 10_000)
        #expect(configuration.mqtt.maxQueueBytes == 8_388_608)
    }

    @Test func maxQueueBytesIsRead() throws {
        let configuration = try loader.parse("mqtt:\n  queue_size: 500\n  max_queue_bytes: 65536\n", file: "c.yaml")
        #expect(configuration.mqtt.queueSize == 500)
        #expect(configuration.mqtt.maxQueueBytes == 65_536)
    }

    @Test(arguments: ["65535", "1073741825", "lots"])
    func maxQueueBytesOutsideItsRangeIsRefusedNamingTheKey(value: String) {
        #expect {
            _ = try loader.parse("mqtt:\n  max_queue_bytes: \(value)\n", file: "c.yaml")
        } throws: { error in
            let description = (error as? ConfigurationError)?.description ?? "\(error)"
            return description.hasPrefix("c.yaml:2: mqtt.max_queue_bytes: expected a whole number from 65536 to 1073741824")
        }
    }
}
