import Foundation
import HookCore
import HookRedis
import Testing

/// Shared alert counts and notification claims against the real redis-server `make test` starts.
struct RedisAlertCounterTests {
    func counter(_ instance: String, prefix: String) throws -> RedisAlertCounter {
        let path = try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_REDIS_SOCKET"],
                                "HOOKD_TEST_REDIS_SOCKET is not set: run the tests with `make test`, which starts redis-server")
        return RedisAlertCounter(endpoint: RedisEndpoint(address: .unixSocket(path)), keyPrefix: prefix, instance: instance, windowSeconds: 300)
    }

    @Test func eachProcessReadsTheOthersCountsWithinTheWindowButNotItsOwn() throws {
        let prefix = "hookd-test-\(UUID().uuidString.prefix(8)):"
        let hostA = try counter("host-a/1", prefix: prefix)
        let hostB = try counter("host-b/2", prefix: prefix)
        let now = 1_800_000_000.0
        let bucket = RedisAlertCounter.bucket(of: now)
        try hostA.add([
            .init(code: "STRIPE", bucket: bucket, total: 5, failed: 2, authFailures: 1),
            .init(code: "STRIPE", bucket: bucket - 1, total: 3, failed: 0, authFailures: 0),
            .init(code: "STRIPE", bucket: bucket - 31, total: 100, failed: 100, authFailures: 100),  // before the window
        ])
        try hostB.add([.init(code: "STRIPE", bucket: bucket, total: 4, failed: 4, authFailures: 0)])
        #expect(try hostB.otherProcessesCounts(codes: ["STRIPE", "GITHUB"], now: now) == [
            "STRIPE": RemoteCallCounts(total: 8, failed: 2, authFailures: 1),
            "GITHUB": RemoteCallCounts(total: 0, failed: 0, authFailures: 0),
        ])
        #expect(try hostA.otherProcessesCounts(codes: ["STRIPE"], now: now)["STRIPE"] == RemoteCallCounts(total: 4, failed: 4, authFailures: 0))
    }

    @Test func oneProcessWinsEachNotificationAndAResolutionFreesTheNextFiring() throws {
        let prefix = "hookd-test-\(UUID().uuidString.prefix(8)):"
        let hostA = try counter("host-a/1", prefix: prefix)
        let hostB = try counter("host-b/2", prefix: prefix)
        #expect(try hostA.claim(code: "STRIPE", type: .authFailures, kind: .firing, holdSeconds: 3600))
        #expect(try !hostB.claim(code: "STRIPE", type: .authFailures, kind: .firing, holdSeconds: 3600))
        #expect(try hostB.claim(code: "STRIPE", type: .authFailures, kind: .resolved, holdSeconds: 3600))
        #expect(try !hostA.claim(code: "STRIPE", type: .authFailures, kind: .resolved, holdSeconds: 3600))
        #expect(try hostA.claim(code: "STRIPE", type: .authFailures, kind: .firing, holdSeconds: 3600), "the resolution freed the firing claim")
        #expect(try hostA.claim(code: "STRIPE", type: .authFailures, kind: .test, holdSeconds: 3600))
        #expect(try hostB.claim(code: "STRIPE", type: .authFailures, kind: .test, holdSeconds: 3600))
    }

    @Test func anUnreachableRedisIsAnErrorNotAHang() throws {
        let counter = RedisAlertCounter(endpoint: RedisEndpoint(address: .unixSocket("/nonexistent/redis.sock")), keyPrefix: "x:",
                                        instance: "a", windowSeconds: 60)
        #expect(throws: RedisError.self) { try counter.add([.init(code: "X", bucket: 1, total: 1, failed: 0, authFailures: 0)]) }
    }
}
