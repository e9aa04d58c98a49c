import HookJSON
import HookNumbers

/// A webhook's numbers over the alerting window: what `alert.metrics` returns and alerts carry.
public struct WindowMetrics: Sendable, Equatable {
    public var webhookCode: String
    public var windowMinutes: Int
    public var totalCalls: Int
    public var successfulCalls: Int
    public var failedCalls: Int
    /// Percent, as in the seed.
    public var failureRate: Double
    public var authFailures: Int
    public var avgLatency: Double
    public var p50Latency: Double
    public var p95Latency: Double
    public var p99Latency: Double
    public var maxLatency: Double
    public var activeAlerts: [AlertType]
    /// Other hookd processes' calls in the window, when counts are shared through Redis.
    public var otherHosts: RemoteCallCounts?

    /// Latencies come from the window's histogram (``CallWindow/latencies()``): the average and
    /// the maximum are exact, each percentile is within 1 % of the nearest-rank value.
    init(webhookCode: String, windowMinutes: Int, window: CallWindow, activeAlerts: [AlertType]) {
        let latencies = window.latencies()
        self.webhookCode = webhookCode
        self.windowMinutes = windowMinutes
        totalCalls = window.total
        successfulCalls = window.total - window.failed
        failedCalls = window.failed
        failureRate = window.failureRatePercent
        authFailures = window.authFailures
        avgLatency = latencies.average
        p50Latency = latencies.p50
        p95Latency = latencies.p95
        p99Latency = latencies.p99
        maxLatency = latencies.maximum
        self.activeAlerts = activeAlerts
    }

    /// The numbers of a webhook with no calls in the window.
    public static func empty(webhookCode: String, windowMinutes: Int) -> WindowMetrics {
        WindowMetrics(webhookCode: webhookCode, windowMinutes: windowMinutes, window: CallWindow(seconds: 1), activeAlerts: [])
    }

    public var json: JSONValue {
        func rounded(_ value: Double) -> JSONValue { .double((value * 10_000).rounded() / 10_000) }
        var object: JSONObject = [
            "webhook_code": .string(webhookCode), "window_minutes": .integer(Int64(windowMinutes)),
            "total_calls": .integer(Int64(totalCalls)), "successful_calls": .integer(Int64(successfulCalls)),
            "failed_calls": .integer(Int64(failedCalls)), "failure_rate": rounded(failureRate),
            "auth_failures": .integer(Int64(authFailures)), "avg_latency": rounded(avgLatency),
            "p50_latency": rounded(p50Latency), "p95_latency": rounded(p95Latency), "p99_latency": rounded(p99Latency),
            "max_latency": rounded(maxLatency), "active_alerts": .array(activeAlerts.map { .string($0.rawValue) }),
        ]
        if let otherHosts {
            object["other_hosts"] = [
                "total_calls": .integer(Int64(otherHosts.total)), "failed_calls": .integer(Int64(otherHosts.failed)),
                "auth_failures": .integer(Int64(otherHosts.authFailures)),
            ]
        }
        return .object(object)
    }
}
