import HookCore
import HookStore

/// The metrics text as both exporters serve it (`GET /metrics`, `system.metrics`): the counters,
/// after the gauges read at scrape time (connections, cache, alerts firing, queue, breakers).
final class MetricsExporter: Sendable {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: DaemonMetrics
    private let snapshot: @Sendable () async -> DaemonMetrics.Snapshot

    init(metrics: DaemonMetrics, snapshot: @escaping @Sendable () async -> DaemonMetrics.Snapshot) {
        self.metrics = metrics
        self.snapshot = snapshot
    }

    /// The exposition in Prometheus's text format.
    func text() async -> String { metrics.exposition(await snapshot()) }

    /// The daemon's: every part's figures, the queue's read off the event loop.
    static func make(metrics: DaemonMetrics, state: DaemonState, credentials: CredentialSubsystem, alerts: AlertSubsystem,
                     delivery: DeliveryEngine) -> MetricsExporter {
        MetricsExporter(metrics: metrics) {
            // Every registered code has its series, at 0 until it is called (a dashboard shows zeros, not gaps).
            if let webhooks = try? await credentials.registry.list(direction: nil) { metrics.register(codes: webhooks.map(\.key.code)) }
            let queue = try? await delivery.read { queue throws(StoreError) in try queue.stats(code: nil, now: SystemClock.wallSeconds()) }
            return DaemonMetrics.Snapshot(
                connectionsOpen: state.connections.count, cacheEntries: credentials.service.cache.count,
                alertsFiring: alerts.engine.activeAlerts().map { ($0.webhookCode, $0.type.rawValue) }, queue: queue,
                breakersOpen: delivery.breakersHoldingBack())
        }
    }
}
