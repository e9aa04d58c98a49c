import CoreMetrics
import Prometheus

/// The swift-metrics backend hookd instruments with: swift-prometheus's registry, with each
/// metric's `# HELP` text and histogram buckets from `MetricsCatalogue` (swift-metrics has no place
/// for either, and `promtool check metrics` wants help on every metric).
struct PrometheusHelpFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricsCatalogue.help[label] ?? label)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: MetricsCatalogue.buckets(for: label))
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

/// Every metric hookd exports: its name and help text, in one place (the dashboard and the rules
/// in dashboards/ use exactly these).
enum MetricsCatalogue {
    static let help: [String: String] = [
        "hookd_build_info": "hookd's version, as a label; always 1.",
        "hookd_uptime_seconds": "Seconds since hookd started.",
        "hookd_resident_memory_bytes": "Resident memory of the hookd process.",
        "hookd_open_fds": "File descriptors the hookd process has open.",
        "hookd_rpc_requests_total": "JSON-RPC requests answered, by method and outcome (ok or error).",
        "hookd_rpc_request_duration_seconds": "Time from a JSON-RPC request's arrival to its answer, by method.",
        "hookd_rpc_connections_open": "Client connections open on hookd's socket.",
        "hookd_rpc_connections_refused_total": "Client connections refused, by reason.",
        "hookd_credential_lookups_total": "Credential lookups by cache tier (memory, redis) and result (hit, miss, stale, negative).",
        "hookd_credential_source_fetches_total": "Reads from credential sources, by source and outcome (ok, missing, error).",
        "hookd_credential_fetch_duration_seconds": "Duration of a read from a credential source, by source.",
        "hookd_credential_cache_entries": "Credentials held in the in-process cache.",
        "hookd_infisical_token_events_total": "Infisical access-token events: renewed, renewal_refused, logged_in, login_refused.",
        "hookd_webhook_calls_total": "Webhook calls recorded (alert.record, deliveries, inbound verifications), by code, direction and outcome.",
        "hookd_webhook_call_duration_seconds": "Duration of recorded webhook calls, by code.",
        "hookd_alerts_firing": "Alerts firing now, by webhook code and alert type (1 firing).",
        "hookd_alert_notifications_total": "Alert notifications by channel and outcome (sent, failed).",
        "hookd_alert_channel_duration_seconds": "Time one alert channel took to send a notification, by channel.",
        "hookd_delivery_queue_depth": "Deliveries in the queue by status (queued, in_flight, retrying).",
        "hookd_delivery_oldest_queued_age_seconds": "Age of the oldest delivery still waiting to be sent.",
        "hookd_delivery_attempts_total": "Delivery attempts by outcome (delivered, retry, dead).",
        "hookd_delivery_breaker_open": "Whether a webhook's circuit breaker holds its deliveries back (1 open or half open).",
        "hookd_delivery_dead_total": "Deliveries that ended dead.",
        "hookd_validation_status": "The last validation result of a webhook: 1 for its status, 0 for the others.",
        "hookd_validation_last_run_timestamp_seconds": "When a validation last ran (unix seconds).",
    ]

    /// Latency buckets in seconds: from a cache hit to a slow webhook endpoint (5 s is the alert's line).
    static let latencyBuckets: [Duration] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
        .map { Duration.nanoseconds(Int64($0 * 1_000_000_000)) }

    static func buckets(for label: String) -> [Duration] { latencyBuckets }
}
