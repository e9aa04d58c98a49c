import HookHTTP
import HookMQTT
import HookRedis

// The daemon's long-running parts as services of its one `ServiceGroup`. Their modules know
// nothing of swift-service-lifecycle; the daemon decides how each one stops.

extension JSONLinesFile: StoppableService {
    /// Writes out what is queued and closes the file.
    public func stop() async { await shutdownQueue.run { self.close() } }
}

extension MQTTPublisher: StoppableService {
    /// Gives queued messages a moment to reach the broker, then disconnects.
    public func stop() async { await shutdown() }
}

extension RedisCredentialTier: StoppableService {
    /// Ends the invalidation listener.
    public func stop() async { await shutdownQueue.run { self.shutdown() } }
}

extension HTTPClient: StoppableService {
    /// Ends curl's multi loop; transfers still running fail with a cancellation.
    public func stop() async { await shutdown() }
}

/// Exchanges counts with Redis once a second from `start` until `stop`, which sends what is left.
extension SharedAlertCounts: StoppableService {}
