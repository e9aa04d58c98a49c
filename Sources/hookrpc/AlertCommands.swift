import ArgumentParser
import HookClient
import HookJSON
import HookRPC

/// The seed's alerting commands: `metrics`, `test-alert`, `config`, plus `alerts` and `silence`.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Show a webhook's calls, failures and latency over the alerting window.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The webhook code; every webhook with recent calls when left out.") var code: String?
    @Flag(help: "Print hookd's Prometheus exposition (system.metrics), e.g. for node_exporter's textfile collector.")
    var prometheus = false

    func validate() throws {
        if prometheus && code != nil { throw ValidationError("--prometheus prints every metric; it takes no code") }
    }

    func run() throws {
        if prometheus {
            let exposition = try perform { try options.client().call(MethodName.systemMetrics) }
            return print(options.json ? exposition.compactText : exposition["text"]?.stringValue ?? "", terminator: "")
        }
        let result = try perform { try options.client().call(MethodName.alertMetrics, params: code.map { ["webhook_code": .string($0)] }) }
        if options.json {
            print(result.compactText)
            return
        }
        let all = code == nil ? (result["webhooks"]?.arrayValue ?? []) : [result]
        if all.isEmpty { print("no calls recorded in the window") }
        for metrics in all { print(Self.render(metrics)) }
    }

    static func render(_ metrics: JSONValue) -> String {
        func number(_ key: String) -> String { metrics[key].map { $0.compactText } ?? "-" }
        let active = metrics["active_alerts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return """
            \(metrics["webhook_code"]?.stringValue ?? "?") (last \(number("window_minutes")) min)
              calls: \(number("total_calls")) total, \(number("successful_calls")) ok, \(number("failed_calls")) failed (\(number("failure_rate"))%)
              auth failures: \(number("auth_failures"))
              latency s: avg \(number("avg_latency")), p50 \(number("p50_latency")), p95 \(number("p95_latency")), p99 \(number("p99_latency")), max \(number("max_latency"))
              active alerts: \(active.isEmpty ? "none" : active.joined(separator: ", "))
            """
    }
}

struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test-alert", abstract: "Send a test alert through every channel (or the ones named) and report each.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The webhook code the test alert is about.") var code: String
    @Option(help: "info, warning, error or critical.") var severity = "warning"
    @Option(help: "A channel to test; repeat for several (default: all configured).") var channel: [String] = []

    func run() throws {
        var params: JSONObject = ["webhook_code": .string(code), "severity": .string(severity)]
        if !channel.isEmpty { params["channels"] = .array(channel.map(JSONValue.string)) }
        let result = try perform { try options.client().call(MethodName.alertTest, params: params) }
        if options.json {
            print(result.compactText)
            return
        }
        var failed = false
        for member in result["results"]?.objectValue ?? [:] {
            let success = member.value["success"] == .bool(true)
            failed = failed || !success
            print("\(success ? "✓" : "✗") \(member.key)\(member.value["error"]?.stringValue.map { ": \($0)" } ?? "")")
        }
        if failed { throw ExitCode(1) }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Show the effective alerting configuration (secrets masked).")
    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let result = try perform { try options.client().call(MethodName.alertConfig) }
        print(options.json ? result.compactText : result.prettyText())
    }
}

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List the alerts firing now.")
    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let alerts = try perform { try options.client().call(MethodName.alertList) }["alerts"]?.arrayValue ?? []
        if options.json {
            print(JSONValue.array(alerts).compactText)
            return
        }
        if alerts.isEmpty { print("no alerts firing") }
        for alert in alerts {
            let silenced = alert["silenced_until"]?.stringValue.map { " (silenced until \($0))" } ?? ""
            print("\(alert["severity"]?.stringValue ?? "?") \(alert["webhook_code"]?.stringValue ?? "?") \(alert["alert_type"]?.stringValue ?? "?") "
                  + "since \(alert["first_fired_at"]?.stringValue ?? "?")\(silenced)")
        }
    }
}

struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "silence", abstract: "Mute a webhook's alert notifications for a while (state is still tracked).")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The webhook code.") var code: String
    @Option(help: "Minutes to stay silent.") var minutes: Double = 60
    @Option(help: "Only this alert type (high_failure_rate, auth_failures, high_latency, delivery_failing, webhook_disabled, delivery_dead).") var type: String?
    @Option(help: "Why, for the history.") var reason = ""
    @Flag(help: "Lift the silence instead.") var lift = false

    func run() throws {
        var params: JSONObject = ["webhook_code": .string(code)]
        if let type { params["alert_type"] = .string(type) }
        if lift {
            let result = try perform { try options.client().call(MethodName.alertUnsilence, params: params) }
            print(options.json ? result.compactText : "lifted \(result["removed"]?.compactText ?? "0") silence(s)")
            return
        }
        params["minutes"] = .double(minutes)
        params["reason"] = .string(reason)
        let result = try perform { try options.client().call(MethodName.alertSilence, params: params) }
        print(options.json ? result.compactText : "silenced \(code)\(type.map { " \($0)" } ?? "") until \(result["until"]?.stringValue ?? "?")")
    }
}
