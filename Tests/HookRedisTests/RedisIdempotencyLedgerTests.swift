import Foundation
import HookRedis
import Testing

/// The fleet's idempotency ledger against the real redis-server `make test` starts.
struct RedisIdempotencyLedgerTests {
    let socketPath: String
    let prefix = "hookd-test-\(UUID().uuidString.prefix(8)):"

    init() throws {
        socketPath = try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_REDIS_SOCKET"],
                                  "HOOKD_TEST_REDIS_SOCKET is not set: run the tests with `make test`, which starts redis-server")
    }

    func ledger(_ instance: String) -> RedisIdempotencyLedger {
        RedisIdempotencyLedger(endpoint: RedisEndpoint(address: .unixSocket(socketPath)), keyPrefix: prefix, instance: instance)
    }

    @Test func theFirstClaimWinsAndOthersSeeItPendingThenConfirmedWithTheDeliveryID() throws {
        let hostA = ledger("host-a:/var/lib/hookd/deliveries.db")
        let hostB = ledger("host-b:/var/lib/hookd/deliveries.db")
        #expect(try hostA.claim(code: "ORDERS", idempotencyKey: "order-42", pendingSeconds: 30) == .claimedNow)
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "order-42", pendingSeconds: 30)
                == .held(instance: "host-a:/var/lib/hookd/deliveries.db", deliveryID: nil))
        #expect(try hostA.confirm(code: "ORDERS", idempotencyKey: "order-42", deliveryID: "dlv_0001", windowSeconds: 86_400))
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "order-42", pendingSeconds: 30)
                == .held(instance: "host-a:/var/lib/hookd/deliveries.db", deliveryID: "dlv_0001"))
        // The holder asking again sees itself, confirmed: its own queue answers for the key.
        #expect(try hostA.claim(code: "ORDERS", idempotencyKey: "order-42", pendingSeconds: 30)
                == .held(instance: "host-a:/var/lib/hookd/deliveries.db", deliveryID: "dlv_0001"))
        // Keys are per webhook and per key.
        #expect(try hostB.claim(code: "INVOICES", idempotencyKey: "order-42", pendingSeconds: 30) == .claimedNow)
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "order-43", pendingSeconds: 30) == .claimedNow)
    }

    @Test func anotherInstanceCannotConfirmOrReleaseAClaimItDoesNotHold() throws {
        let hostA = ledger("host-a:/q.db")
        let hostB = ledger("host-b:/q.db")
        #expect(try hostA.claim(code: "ORDERS", idempotencyKey: "k", pendingSeconds: 30) == .claimedNow)
        #expect(try !hostB.confirm(code: "ORDERS", idempotencyKey: "k", deliveryID: "dlv_b", windowSeconds: 60))
        try hostB.release(code: "ORDERS", idempotencyKey: "k")
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "k", pendingSeconds: 30) == .held(instance: "host-a:/q.db", deliveryID: nil))
        // The holder's release frees the key for anyone (nothing was queued).
        try hostA.release(code: "ORDERS", idempotencyKey: "k")
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "k", pendingSeconds: 30) == .claimedNow)
    }

    @Test func aClaimNeverConfirmedLapsesSoARetryElsewhereIsNotRefusedForever() throws {
        let hostA = ledger("host-a:/q.db")
        let hostB = ledger("host-b:/q.db")
        #expect(try hostA.claim(code: "ORDERS", idempotencyKey: "crashed", pendingSeconds: 1) == .claimedNow)
        #expect(try hostB.claim(code: "ORDERS", idempotencyKey: "crashed", pendingSeconds: 1) != .claimedNow)
        var lapsed = false
        for _ in 0..<40 where !lapsed {
            Thread.sleep(forTimeInterval: 0.1)
            lapsed = try hostB.claim(code: "ORDERS", idempotencyKey: "crashed", pendingSeconds: 30) == .claimedNow
        }
        #expect(lapsed, "an unconfirmed claim must lapse after its pending seconds")
    }

    @Test func theStoredKeyIsAHashNeverTheCallersKey() throws {
        let hostA = ledger("host-a:/q.db")
        let key = "customer-7f3a-private-reference"
        #expect(try hostA.claim(code: "ORDERS", idempotencyKey: key, pendingSeconds: 30) == .claimedNow)
        let connection = try RedisConnection(unixSocketPath: socketPath)
        guard case .array(let keys) = try connection.command("KEYS", prefix + "*") else {
            Issue.record("KEYS gave no array")
            return
        }
        let names = keys.compactMap { reply -> String? in
            if case .bulk(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
        #expect(names.count == 1)
        #expect(names.allSatisfy { $0.hasPrefix(prefix + "delivery-idempotency:ORDERS:") && !$0.contains(key) && $0.count == prefix.count + 64 + 28 })
    }
}
