import ServiceLifecycle
import Synchronization

/// Sends the event streams' heartbeats, and releases held requests and event streams on `stop()`.
///
/// Hummingbird's graceful shutdown waits for every open request, so a `hang` (300 s) or an
/// `/api/events` stream must let go by itself: each does on its own graceful-shutdown handler
/// (the server's requests see the server's shutdown first; this service, listed before the
/// server, is only told after the server has drained). `stop()` is for embedders and tests.
final class SandboxShutdown: Service, Sendable {
    private let stopping = Atomic<Bool>(false)
    private let events: CaptureEvents

    init(events: CaptureEvents) {
        self.events = events
    }

    /// Whether shutdown has begun.
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Sends event-stream heartbeats until graceful shutdown, then releases everything held.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: CaptureEvents.heartbeatInterval)
                } catch {
                    break
                }
                self.events.publish(.heartbeat)
            }
        }
        stop()
    }

    /// Releases hangs and ends event streams (also called when the service is cancelled).
    func stop() {
        stopping.store(true, ordering: .releasing)
        events.finishAll()
    }

    /// Waits until `seconds` have passed or shutdown begins, whichever is first.
    func hold(seconds: Int) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !isStopping, ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                return
            }
        }
    }
}
