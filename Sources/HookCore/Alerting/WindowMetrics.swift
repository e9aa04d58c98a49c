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

    init(webhookCode: String, windowMinutes: Int, window: CallWindow, activeAlerts: [AlertType]) {
        let durations = window.sortedDurations()
        func percentile(_ fraction: Double) -> Double {
            guard !durations.isEmpty else { return 0 }
            // Nearest rank: the smallest value with at least `fraction` of the calls at or below it.
            let rank = Int(clamping: fraction * Double(durations.count), rounding: .up)
            return durations[min(durations.count - 1, max(0, rank - 1))]
        }
        self.webhookCode = webhookCode
        self.windowMinutes = windowMinutes
        totalCalls = window.total
        successfulCalls = window.total - window.failed
        failedCalls = window.failed
        failureRate = window.failureRatePercent
        authFailures = window.authFailures
        avgLatency = durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count)
        p50Latency = percentile(0.50)
        p95Latency = percentile(0.95)
        p99Latency = percentile(0.99)
        maxLatency = durations.last ?? 0
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
