import Foundation
import HookRedis
import Testing

/// hiredis against the real redis-server that `make test` starts on a private Unix socket.
struct RedisConnectionTests {
    func connect() throws -> RedisConnection {
        let path = try #require(ProcessInfo.processInfo.environment["HOOKD_TEST_REDIS_SOCKET"],
                                "HOOKD_TEST_REDIS_SOCKET is not set: run the tests with `make test`, which starts redis-server")
        return try RedisConnection(unixSocketPath: path)
    }

    @Test func pingAnswersPong() throws {
        #expect(try connect().command("PING") == .status("PONG"))
    }

    @Test func valuesAreBinarySafeIncludingNulBytes() throws {
        let redis = try connect()
        let key = "hookd-test:\(UUID().uuidString)"
        let value: [UInt8] = [0x00, 0xFF, 0x0A, 0x00, 0x41]
        #expect(try redis.command([Array("SET".utf8), Array(key.utf8), value]) == .status("OK"))
        #expect(try redis.command([Array("GET".utf8), Array(key.utf8)]) == .bulk(value))
        #expect(try redis.command("DEL", key) == .integer(1))
        #expect(try redis.command("GET", key) == .null)
    }

    @Test func errorRepliesAreValuesNotThrows() throws {
        let reply = try connect().command("NO-SUCH-COMMAND")
        guard case .error(let message) = reply else {
            Issue.record("expected an error reply, got \(reply)")
            return
        }
        #expect(message.contains("unknown command"))
    }

    @Test func arraysComeBackInOrder() throws {
        let redis = try connect()
        let key = "hookd-test:list:\(UUID().uuidString)"
        _ = try redis.command("RPUSH", key, "a", "b")
        #expect(try redis.command("LRANGE", key, "0", "-1") == .array([.bulk(Array("a".utf8)), .bulk(Array("b".utf8))]))
        _ = try redis.command("DEL", key)
    }

    @Test func aMissingSocketIsAClearError() {
        #expect {
            _ = try RedisConnection(unixSocketPath: "/nonexistent/redis.sock", timeoutSeconds: 1)
        } throws: { error in
            "\(error)".contains("cannot connect to /nonexistent/redis.sock")
        }
    }
}
