import Foundation
import HookTestSupport
import HookRedis

/// A redis-server of the test's own on a private Unix socket, so a test may stop it at will.
final class RedisServer: @unchecked Sendable {
    let socketPath: String
    let child: ChildProcess
    /// A key hookd can share: 32 bytes, base64.
    static let encryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

    init(directory: String, name: String = "redis") throws {
        socketPath = "\(directory)/\(name).sock"
        child = try ChildProcess(executable: "/usr/bin/redis-server",
                                 arguments: ["--port", "0", "--unixsocket", socketPath, "--save", "", "--appendonly", "no", "--dir", directory],
                                 outputPath: "\(directory)/\(name).log")
        guard TestEnvironment.wait(seconds: 10, until: { (try? RedisConnection(unixSocketPath: self.socketPath)) != nil }) else {
            child.stop()
            throw DaemonFailure(message: "redis-server did not start: \(child.output)")
        }
    }

    deinit { child.stop() }

    func connection() throws -> RedisConnection { try RedisConnection(unixSocketPath: socketPath) }

    /// The `redis:` section of a hookd configuration pointing here.
    var configuration: String {
        """
        redis:
          enabled: true
          socket: \(socketPath)
          encryption_key: \(Self.encryptionKey)

        """
    }
}
