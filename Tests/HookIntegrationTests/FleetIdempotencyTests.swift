import Foundation
import HookClient
import HookJSON
import HookRPC
import HookRedis
import HookTestSupport
import Testing

/// Issue 12's fleet point: two hookds that share one Redis deliver a repeated `idempotency_key`
/// once, whichever host each call reaches. Real hookds, real redis-server, the scripted sink.
@Suite(.serialized)
struct FleetIdempotencyTests {
    static let token = "tok_fake_fleet_5d02b7"

    /// Two hookds (own state directories and queues) on one Redis, both allowed to reach the sink.
    final class Fleet {
        let sink: DeliverySink
        let redis: RedisServer
        let first: DaemonProcess
        let second: DaemonProcess

        init() throws {
            sink = try DeliverySink()
            let directory = try TestEnvironment.makeTemporaryDirectory()
            redis = try RedisServer(directory: directory)
            var environment = ProcessInfo.processInfo.environment
            environment["HOOKD_CRED_ORDERS_OUT"] = FleetIdempotencyTests.token
            let configuration = redis.configuration + """
                network:
                  allow: [127.0.0.0/8]
                """
            first = try DaemonProcess(configuration: configuration, environment: environment, directory: directory, socketName: "first.sock")
            second = try DaemonProcess(configuration: configuration, environment: environment,
                                       directory: try TestEnvironment.makeTemporaryDirectory(), socketName: "second.sock")
            for daemon in [first, second] {
                _ = try daemon.client().upsertWebhook(["code": "ORDERS", "url": .string(sink.url("/orders")), "auth_type": "bearer",
                                                       "credential": ["source": "env"], "allow_insecure_http": true, "timeout_seconds": 5])
            }
        }

        func deliver(_ daemon: DaemonProcess, key: String, wait: String = "accepted") throws -> JSONValue {
            try daemon.client(timeoutSeconds: 30).call("webhook.deliver", params: [
                "code": "ORDERS", "payload": ["order": 42], "idempotency_key": .string(key), "wait": .string(wait),
            ])
        }

        /// The ledger's Redis keys (one per claimed idempotency key).
        func ledgerKeys() throws -> [String] {
            guard case .array(let replies) = try redis.connection().command("KEYS", "hookd:delivery-idempotency:*") else { return [] }
            return replies.compactMap { reply in
                if case .bulk(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
                return nil
            }
        }

        func stop() {
            first.child.stop()
            second.child.stop()
            redis.child.stop()
            sink.fixture.stop()
        }
    }

    @Test func theSameKeyOnTwoHostsIsDeliveredOnceAndTheSecondNamesTheFirstsDelivery() throws {
        let fleet = try Fleet()
        defer { fleet.stop() }
        let accepted = try fleet.deliver(fleet.first, key: "order-42", wait: "final")
        #expect(accepted["status"] == "delivered")
        let id = try #require(accepted["delivery_id"]?.stringValue)

        let elsewhere = try fleet.deliver(fleet.second, key: "order-42")
        #expect(elsewhere["status"] == "elsewhere", "\(elsewhere.compactText)")
        #expect(elsewhere["delivery_id"]?.stringValue == id)
        #expect(elsewhere["instance"]?.stringValue?.hasSuffix(fleet.first.directory + "/state/deliveries.db") == true,
                "the reply names the queue that has the delivery: \(elsewhere.compactText)")
        // The first host asked again answers from its own queue, as without Redis.
        #expect(try fleet.deliver(fleet.first, key: "order-42")["delivery_id"]?.stringValue == id)
        // A new key on the second host is its own delivery.
        let other = try fleet.deliver(fleet.second, key: "order-43", wait: "final")
        #expect(other["status"] == "delivered")
        #expect(other["delivery_id"]?.stringValue != id)

        Thread.sleep(forTimeInterval: 1)  // a second delivery of order-42 would have arrived by now
        let ids = try fleet.sink.webhookIDs("/orders")
        #expect(ids.count == 2, "order-42 once and order-43 once: \(ids)")
        #expect(ids.filter { $0 == id }.count == 1)
        #expect(try fleet.ledgerKeys().count == 2)
        #expect(try fleet.ledgerKeys().allSatisfy { !$0.contains("order-4") }, "the ledger keeps hashes, not callers' keys")
    }

    @Test func aKeyClaimedElsewhereButNotYetQueuedIsRefusedAsRetryableNotQueuedTwice() throws {
        let fleet = try Fleet()
        defer { fleet.stop() }
        _ = try fleet.deliver(fleet.first, key: "pending-1")
        let key = try #require(fleet.ledgerKeys().first)
        // As if a third hookd had claimed the key and not committed yet (or crashed meanwhile).
        _ = try fleet.redis.connection().command("SET", key, "host-c:/var/lib/hookd/deliveries.db", "EX", "30")
        let error = rpcError { try fleet.deliver(fleet.second, key: "pending-1") }
        #expect(error?.kind == .overloaded && error?.code == -32004)
        #expect(error?.details["reason"] == "idempotency_key_pending")
        #expect(error?.details["instance"] == "host-c:/var/lib/hookd/deliveries.db")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try fleet.sink.webhookIDs("/orders").count == 1, "only the first host's delivery was sent")
    }

    @Test func withRedisGoneAKeyedDeliveryIsQueuedWithThisHostsIdempotencyAndSaysSo() throws {
        let fleet = try Fleet()
        defer { fleet.stop() }
        fleet.redis.child.stop()
        let result = try fleet.deliver(fleet.first, key: "no-redis-1", wait: "final")
        #expect(result["status"] == "delivered")
        #expect(result["idempotency_scope"] == "host")
        // This host's own idempotency still holds.
        #expect(try fleet.deliver(fleet.first, key: "no-redis-1")["delivery_id"] == result["delivery_id"])
        #expect(try fleet.sink.webhookIDs("/orders").count == 1)
    }
}
