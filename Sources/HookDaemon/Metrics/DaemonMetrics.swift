import CoreMetrics
import HookCore
import HookRPC

import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// hookd's metrics, instrumented with swift-metrics and exported by swift-prometheus: what the
/// request path, the credential service, alerting, delivery and validation count, plus what is
/// read when scraped (queue depth, alerts firing, process figures).
///
/// Label values are bounded: `method` by the method table (anything else is `unknown`), `code` by
/// the registered webhooks up to `metrics.max_codes` (the first registered keep theirs; the rest
/// are summed under `_other`). Registered codes have every outcome's series from the start, at 0.
final class DaemonMetrics: RPCObserver, CredentialObserver, Sendable {
    static let otherCode = "_other"
    static let outcomes = ["success", "failure", "auth_failure"]

    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusHelpFactory
    let maxCodes: Int
    private let startedAt = SystemClock.monotonicSeconds()

    private struct MethodMetrics: Sendable {
        var ok: CoreMetrics.Counter
        var error: CoreMetrics.Counter
        var duration: CoreMetrics.Timer
    }

    private struct CodeMetrics: Sendable {
        /// By direction then outcome.
        var calls: [WebhookDirection: [String: CoreMetrics.Counter]]
        var duration: CoreMetrics.Timer
    }

    /// Built once for every method: the request path reads it without a lock.
    private let methods: [String: MethodMetrics]
    private let lookups: [String: CoreMetrics.Counter]
    private let codes = Mutex<[String: CodeMetrics]>([:])
    private let sourceFetches = Mutex<[String: CoreMetrics.Counter]>([:])
    private let sourceDurations = Mutex<[String: CoreMetrics.Timer]>([:])
    private let refusals = Mutex<[String: CoreMetrics.Counter]>([:])
    private let notifications = Mutex<[String: CoreMetrics.Counter]>([:])
    private let channelDurations = Mutex<[String: CoreMetrics.Timer]>([:])
    private let attempts = Mutex<[String: CoreMetrics.Counter]>([:])
    private let tokenEvents = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    /// The gauges of labelled series set at the last scrape, so a series that vanished goes to 0.
    private let lastScrapeSeries = Mutex<Set<String>>([])
    private let dead: CoreMetrics.Counter

    init(maxCodes: Int) {
        factory = PrometheusHelpFactory(registry: registry)
        self.maxCodes = maxCodes
        var methods: [String: MethodMetrics] = [:]
        for method in MethodName.all + ["unknown"] {
            methods[method] = MethodMetrics(
                ok: CoreMetrics.Counter(label: "hookd_rpc_requests_total", dimensions: [("method", method), ("outcome", "ok")], factory: factory),
                error: CoreMetrics.Counter(label: "hookd_rpc_requests_total", dimensions: [("method", method), ("outcome", "error")], factory: factory),
                duration: CoreMetrics.Timer(label: "hookd_rpc_request_duration_seconds", dimensions: [("method", method)], factory: factory))
        }
        self.methods = methods
        var lookups: [String: CoreMetrics.Counter] = [:]
        for tier in ["memory", "redis"] {
            for result in CredentialLookupResult.allCases {
                lookups["\(tier)|\(result.rawValue)"] = CoreMetrics.Counter(
                    label: "hookd_credential_lookups_total", dimensions: [("tier", tier), ("result", result.rawValue)], factory: factory)
            }
        }
        self.lookups = lookups
        dead = CoreMetrics.Counter(label: "hookd_delivery_dead_total", factory: factory)
        for outcome in ["delivered", "retry", "dead"] { _ = counter(attempts, "hookd_delivery_attempts_total", [("outcome", outcome)]) }
        CoreMetrics.Gauge(label: "hookd_build_info", dimensions: [("version", hookdVersion)], factory: factory).record(1)
    }

    /// Gives the configured credential sources and alert channels their series at 0, so the first
    /// fetch or notification is a rise a `rate()` sees rather than a series appearing at 1.
    func prepare(sources: [CredentialSourceKind], channels: [String]) {
        if sources.contains(.infisical) {
            for event in ["renewed", "renewal_refused", "logged_in", "login_refused"] {
                _ = counter(tokenEvents, "hookd_infisical_token_events_total", [("event", event)])
            }
        }
        for source in sources {
            for outcome in CredentialFetchOutcome.allCases {
                _ = counter(sourceFetches, "hookd_credential_source_fetches_total", [("source", source.rawValue), ("outcome", outcome.rawValue)])
            }
        }
        for channel in channels {
            for outcome in ["sent", "failed"] {
                _ = counter(notifications, "hookd_alert_notifications_total", [("channel", channel), ("outcome", outcome)])
            }
        }
    }

    // MARK: - Request path

    func answered(method: String, ok: Bool, seconds: Double) {
        guard let metrics = methods[method] ?? methods["unknown"] else { return }
        (ok ? metrics.ok : metrics.error).increment()
        metrics.duration.recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    /// A connection refused before it was served, by reason (`connection_limit`, `per_uid_limit`).
    func refused(reason: String) {
        counter(refusals, "hookd_rpc_connections_refused_total", [("reason", reason)]).increment()
    }

    // MARK: - Credentials

    func lookup(tier: CredentialLookup.Tier, result: CredentialLookupResult) {
        lookups["\(tier.rawValue)|\(result.rawValue)"]?.increment()
    }

    func sourceFetch(source: CredentialSourceKind, outcome: CredentialFetchOutcome, seconds: Double) {
        counter(sourceFetches, "hookd_credential_source_fetches_total", [("source", source.rawValue), ("outcome", outcome.rawValue)]).increment()
        let timer = sourceDurations.withLock { timers in
            if let found = timers[source.rawValue] { return found }
            let made = CoreMetrics.Timer(label: "hookd_credential_fetch_duration_seconds", dimensions: [("source", source.rawValue)], factory: factory)
            timers[source.rawValue] = made
            return made
        }
        timer.recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    /// An Infisical access-token event: `renewed`, `renewal_refused`, `logged_in`, `login_refused`.
    func tokenEvent(_ event: String) {
        counter(tokenEvents, "hookd_infisical_token_events_total", [("event", event)]).increment()
    }

    /// `tokenEvent` as the Infisical client's observer.
    var tokenObserver: @Sendable (String) -> Void { { [self] event in tokenEvent(event) } }

    // MARK: - Webhook calls

    /// Gives the registered codes their series (every direction and outcome at 0), up to `maxCodes`.
    func register(codes registered: [String]) {
        for code in registered { _ = codeMetrics(code) }
    }

    /// One call as alerting records it, counted once: success, auth failure (401/403) or failure.
    func record(_ call: CallRecord) {
        let metrics = codeMetrics(call.webhookCode)
        let outcome = call.success ? "success" : call.isAuthFailure ? "auth_failure" : "failure"
        metrics.calls[call.direction]?[outcome]?.increment()
        metrics.duration.recordNanoseconds(Int64(max(0, call.duration) * 1_000_000_000))
    }

    private func codeMetrics(_ code: String) -> CodeMetrics {
        codes.withLock { codes in
            if let found = codes[code] { return found }
            let label = codes.count < maxCodes ? code : Self.otherCode
            if let other = codes[label] { return other }
            var calls: [WebhookDirection: [String: CoreMetrics.Counter]] = [:]
            for direction in WebhookDirection.allCases {
                for outcome in Self.outcomes {
                    calls[direction, default: [:]][outcome] = CoreMetrics.Counter(
                        label: "hookd_webhook_calls_total", dimensions: [("code", label), ("direction", direction.rawValue), ("outcome", outcome)],
                        factory: factory)
                }
            }
            let made = CodeMetrics(calls: calls,
                                   duration: CoreMetrics.Timer(label: "hookd_webhook_call_duration_seconds", dimensions: [("code", label)], factory: factory))
            codes[label] = made
            return made
        }
    }

    // MARK: - Alerting, delivery, validation

    /// One notification an alert channel sent or failed to send (each attempt), and its duration.
    func notified(channel: String, sent: Bool, seconds: Double) {
        counter(notifications, "hookd_alert_notifications_total", [("channel", channel), ("outcome", sent ? "sent" : "failed")]).increment()
        let timer = channelDurations.withLock { timers in
            if let found = timers[channel] { return found }
            let made = CoreMetrics.Timer(label: "hookd_alert_channel_duration_seconds", dimensions: [("channel", channel)], factory: factory)
            timers[channel] = made
            return made
        }
        timer.recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    /// One delivery attempt's fate: `delivered`, `retry` or `dead`.
    func attempted(outcome: String) {
        counter(attempts, "hookd_delivery_attempts_total", [("outcome", outcome)]).increment()
        if outcome == "dead" { dead.increment() }
    }

    /// A validation result: its status's series 1, the others 0.
    func validated(code: String, status: ValidationStatus, at time: Double) {
        let label = codes.withLock { $0[code] != nil || $0.count < maxCodes } ? code : Self.otherCode
        for candidate in ValidationStatus.allCases {
            gauge("hookd_validation_status", [("code", label), ("status", candidate.rawValue)]).record(candidate == status ? 1 : 0)
        }
        gauge("hookd_validation_last_run_timestamp_seconds", []).record(time)
    }

    // MARK: - Scrape

    /// What is read when scraped rather than counted as it happens.
    struct Snapshot: Sendable {
        var connectionsOpen: Int
        var cacheEntries: Int
        var alertsFiring: [(code: String, type: String)]
        var queue: DeliveryQueueStats?
        var breakersOpen: [String: Bool]
    }

    /// The exposition (Prometheus text format 0.0.4) after setting the scraped gauges.
    func exposition(_ snapshot: Snapshot) -> String {
        gauge("hookd_uptime_seconds", []).record(SystemClock.monotonicSeconds() - startedAt)
        let process = ProcessFigures.read()
        gauge("hookd_resident_memory_bytes", []).record(Double(process.residentBytes))
        gauge("hookd_open_fds", []).record(Double(process.openFileDescriptors))
        gauge("hookd_rpc_connections_open", []).record(Double(snapshot.connectionsOpen))
        gauge("hookd_credential_cache_entries", []).record(Double(snapshot.cacheEntries))
        var series = Set<String>()
        for alert in snapshot.alertsFiring {
            let label = codes.withLock { $0[alert.code] != nil } ? alert.code : Self.otherCode
            gauge("hookd_alerts_firing", [("code", label), ("type", alert.type)]).record(1)
            series.insert("hookd_alerts_firing|\(label)|\(alert.type)")
        }
        if let queue = snapshot.queue {
            gauge("hookd_delivery_queue_depth", [("status", "queued")]).record(Double(queue.queued))
            gauge("hookd_delivery_queue_depth", [("status", "in_flight")]).record(Double(queue.inFlight))
            gauge("hookd_delivery_queue_depth", [("status", "retrying")]).record(Double(queue.retrying))
            gauge("hookd_delivery_oldest_queued_age_seconds", []).record(queue.oldestQueuedAge ?? 0)
        }
        for (code, open) in snapshot.breakersOpen {
            let label = codes.withLock { $0[code] != nil } ? code : Self.otherCode
            gauge("hookd_delivery_breaker_open", [("code", label)]).record(open ? 1 : 0)
        }
        // An alert that stopped firing since the last scrape reads 0, not its last value.
        let vanished = lastScrapeSeries.withLock { last -> Set<String> in
            defer { last = series }
            return last.subtracting(series)
        }
        for key in vanished {
            let parts = key.split(separator: "|").map(String.init)
            if parts.count == 3 { gauge(parts[0], [("code", parts[1]), ("type", parts[2])]).record(0) }
        }
        return registry.emitToString()
    }

    // MARK: - Handles

    private func counter(_ table: borrowing Mutex<[String: CoreMetrics.Counter]>, _ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return table.withLock { counters in
            if let found = counters[key] { return found }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = made
            return made
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = label + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return gauges.withLock { gauges in
            if let found = gauges[key] { return found }
            let made = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = made
            return made
        }
    }
}

/// The process's own figures, from /proc.
enum ProcessFigures {
    static func read() -> (residentBytes: Int, openFileDescriptors: Int) {
        var resident = 0
        if let status = try? readFile("/proc/self/status") {
            for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
                let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
                resident = kilobytes * 1024
            }
        }
        var descriptors = 0
        if let directory = opendir("/proc/self/fd") {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { descriptors += 1 }
            }
            closedir(directory)
            descriptors -= 1  // the directory's own descriptor
        }
        return (resident, max(0, descriptors))
    }

    private static func readFile(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
