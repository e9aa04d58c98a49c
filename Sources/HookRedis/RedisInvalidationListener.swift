import Foundation
import HookCore
import HookJSON
import Synchronization

/// Listens on the invalidation channel on a thread of its own (a subscribed Redis connection
/// blocks in its read), and reconnects with backoff when Redis goes away.
final class RedisInvalidationListener: @unchecked Sendable {
    // `thread` runs `loop`; `active` is shared with `stop` behind a Mutex.
    private let endpoint: RedisEndpoint
    private let channel: String
    private let health: HealthBoard
    private let onMessage: @Sendable (String?, WebhookDirection?) -> Void
    private let active = Mutex<(running: Bool, connection: RedisConnection?)>((true, nil))

    init(endpoint: RedisEndpoint, channel: String, health: HealthBoard, onMessage: @escaping @Sendable (String?, WebhookDirection?) -> Void) {
        self.endpoint = endpoint
        self.channel = channel
        self.health = health
        self.onMessage = onMessage
        let thread = Thread { [self] in loop() }
        thread.name = "hookd.redis.subscriber"
        thread.start()
    }

    func stop() {
        let connection = active.withLock { state -> RedisConnection? in
            state.running = false
            return state.connection
        }
        connection?.interrupt()
    }

    private var isRunning: Bool { active.withLock { $0.running } }

    private func loop() {
        var failures = 0
        while isRunning {
            do throws(RedisError) {
                // No reply timeout: the subscriber waits for messages; `stop` interrupts it.
                let connection = try endpoint.connect(waitForever: true)
                guard case .array = try connection.command("SUBSCRIBE", channel) else { throw RedisError("SUBSCRIBE refused") }
                active.withLock { $0.connection = connection }
                if failures > 0 {
                    // Invalidations published while we were away are lost: forget every L1 entry.
                    onMessage(nil, nil)
                    health.report("redis", .ok, detail: "\(endpoint)")
                }
                failures = 0
                while isRunning {
                    handle(try connection.nextReply())
                }
            } catch {
                active.withLock { $0.connection = nil }
                guard isRunning else { return }
                failures += 1
                health.report("redis", .degraded, detail: "invalidation channel: \(error.message)")
                Thread.sleep(forTimeInterval: min(30, 0.5 * Double(1 << min(failures - 1, 6))))
            }
        }
    }

    private func handle(_ reply: RedisReply) {
        guard case .array(let parts) = reply, parts.count == 3, case .bulk(let kind) = parts[0],
              String(decoding: kind, as: UTF8.self) == "message", case .bulk(let payload) = parts[2],
              let message = try? JSONValue.parse(payload) else { return }
        onMessage(message["code"]?.stringValue, message["direction"]?.stringValue.flatMap(WebhookDirection.init(rawValue:)))
    }
}
