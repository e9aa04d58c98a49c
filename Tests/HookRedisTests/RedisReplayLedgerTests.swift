import Foundation
import HookRedis
import Testing

/// `inbound.verify`'s fleet replay memory against the real redis-server `make test` starts.
struct RedisReplayLedgerTests {
    let socketPath: String
    let prefix = "hookd-test-\(UUID().uuidString.prefix(8)):"

    init() throws {
        socketPath = try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_REDIS_SOCKET"],
                                  "HOOKD_TEST_REDIS_SOCKET is not set: run the tests with `make test`, which starts redis-server")
    }

    func ledger() -> RedisReplayLedger { RedisReplayLedger(endpoint: RedisEndpoint(address: .unixSocket(socketPath)), keyPrefix: prefix) }

    @Test func theFirstClaimWinsOnAnyInstanceAndTheKeyHoldsAHashWithTheWindowAsItsTTL() throws {
        let hostA = ledger()
        let hostB = ledger()
        #expect(try hostA.claim(code: "STRIPE", eventID: "msg_replay_1", windowSeconds: 120))
        #expect(try !hostB.claim(code: "STRIPE", eventID: "msg_replay_1", windowSeconds: 120))
        #expect(try !hostA.claim(code: "STRIPE", eventID: "msg_replay_1", windowSeconds: 120))
        #expect(try hostB.claim(code: "GITHUB", eventID: "msg_replay_1", windowSeconds: 120), "ids are per webhook")
        let connection = try RedisConnection(unixSocketPath: socketPath)
        guard case .array(let keys) = try connection.command("KEYS", "\(prefix)inbound-replay:STRIPE:*"), case .bulk(let name)? = keys.first else {
            Issue.record("no replay key")
            return
        }
        let key = String(decoding: name, as: UTF8.self)
        #expect(!key.contains("msg_replay_1"), "the key holds a hash of the id: \(key)")
        guard case .integer(let ttl) = try connection.command("TTL", key) else {
            Issue.record("TTL failed")
            return
        }
        #expect((110...120).contains(ttl))
    }

    @Test func aWindowBelowOneSecondIsOneSecond() throws {
        let hostA = ledger()
        #expect(try hostA.claim(code: "SLACK", eventID: "e", windowSeconds: 0))
        #expect(try !hostA.claim(code: "SLACK", eventID: "e", windowSeconds: 0))
    }
}
