import ServiceLifecycle

/// A part of the daemon that runs on threads of its own from the moment it is built (a log
/// writer, the MQTT client, a Redis listener, curl's multi loop) and only needs stopping. As a
/// `Service` it waits for the group's graceful shutdown, or cancellation, then stops; the group
/// stops its services in the reverse order of starting them.
public protocol StoppableService: Service {
    /// Starts what does not start on construction (most parts do; the default does nothing).
    func start()
    /// Stops the part: flushes what it holds and lets its threads go.
    func stop() async
}

extension StoppableService {
    public func start() {}

    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await stop()
    }
}

/// Stopping a part may block its caller (joining a thread, a last write to disk): that happens
/// here, never on the cooperative pool.
let shutdownQueue = BlockingQueue(label: "hookd.shutdown")
