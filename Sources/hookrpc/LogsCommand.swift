import ArgumentParser
import Foundation
import HookJSON
import HookNumbers

/// `hookrpc logs`: the seed's jq recipes over the structured log, as one command.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Query the structured webhook log (JSON Lines).",
        discussion: "Reads the file hookd writes (structured_logging.file); --stats summarizes durations per webhook.")

    @Option(help: "The log file (default: $LOGS_DIRECTORY/webhooks.jsonl, else /var/log/hookd/webhooks.jsonl for root, else ~/.local/state/hookd/log/webhooks.jsonl).")
    var file: String?
    @Option(help: "Only this webhook code.") var code: String?
    @Flag(help: "Only failed responses.") var failed = false
    @Option(help: "Only lines newer than this: 30s, 15m, 1h, 2d.") var since: String?
    @Option(help: "Only this event: webhook_request, webhook_response, webhook_alert.") var event: String?
    @Flag(help: "Per webhook: calls, failures, average and p95 duration of responses.") var stats = false
    @Flag(help: "Print matching lines as they are (JSON Lines).") var json = false

    func validate() throws {
        if let since, Self.seconds(since) == nil { throw ValidationError("--since takes a number and a unit, such as 30s, 15m, 1h or 2d") }
    }

    func run() throws {
        let path = file ?? Self.defaultPath()
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path); name the log with --file")
        }
        let cutoff = since.flatMap(Self.seconds).map { Date().addingTimeInterval(-$0) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var matching: [(String, JSONValue)] = []
        for line in text.split(separator: "\n") {
            guard let value = try? JSONValue.parse(String(line)) else { continue }
            if let code, value["webhook_code"]?.stringValue != code { continue }
            if let event, value["event"]?.stringValue != event { continue }
            if failed, value["success"] != .bool(false) { continue }
            if let cutoff {
                guard let stamp = value["timestamp"]?.stringValue, let date = formatter.date(from: stamp), date >= cutoff else { continue }
            }
            matching.append((String(line), value))
        }
        if stats {
            printStats(matching.map(\.1))
        } else if json {
            matching.forEach { print($0.0) }
        } else {
            for (_, value) in matching { print(Self.render(value)) }
        }
    }

    private func printStats(_ lines: [JSONValue]) {
        var durations: [String: [Double]] = [:]
        var failures: [String: Int] = [:]
        for line in lines where line["event"] == "webhook_response" {
            let code = line["webhook_code"]?.stringValue ?? "?"
            durations[code, default: []].append(line["duration_seconds"]?.doubleValue ?? 0)
            if line["success"] == .bool(false) { failures[code, default: 0] += 1 }
        }
        print("WEBHOOK".padding(to: 24) + "  CALLS  FAILED  AVG s    P95 s")
        for code in durations.keys.sorted() {
            let values = (durations[code] ?? []).sorted()
            let average = values.reduce(0, +) / Double(max(values.count, 1))
            let p95 = values.isEmpty ? 0 : values[min(values.count - 1, Int(clamping: 0.95 * Double(values.count), rounding: .up) - 1)]
            print(code.padding(to: 24) + "  " + "\(values.count)".padding(to: 5) + "  " + "\(failures[code] ?? 0)".padding(to: 6)
                  + "  " + String(format: "%.3f", average).padding(to: 7) + "  " + String(format: "%.3f", p95))
        }
    }

    static func render(_ value: JSONValue) -> String {
        let time = value["timestamp"]?.stringValue ?? "?"
        let code = value["webhook_code"]?.stringValue ?? "?"
        switch value["event"]?.stringValue {
        case "webhook_request":
            return "\(time) → \(code) \(value["method"]?.stringValue ?? "") \(value["url"]?.stringValue ?? "") [\(value["guid"]?.stringValue ?? "")]"
        case "webhook_response":
            let status = value["status_code"]?.compactText ?? "-"
            let outcome = value["success"] == .bool(true) ? "ok" : "FAILED"
            let error = value["error"]?.stringValue.map { " \($0)" } ?? ""
            return "\(time) ← \(code) \(status) \(outcome) \(value["duration_seconds"]?.compactText ?? "?")s\(error) [\(value["guid"]?.stringValue ?? "")]"
        case "webhook_alert":
            return "\(time) ! \(code) \(value["severity"]?.stringValue ?? "") \(value["state"]?.stringValue ?? ""): \(value["message"]?.stringValue ?? "")"
        default:
            return value.compactText
        }
    }

    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 else { return nil }
        switch unit {
        case "s": return amount
        case "m": return amount * 60
        case "h": return amount * 3600
        case "d": return amount * 86_400
        default: return nil
        }
    }

    static func defaultPath() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let logs = environment["LOGS_DIRECTORY"]?.split(separator: ":").first { return "\(logs)/webhooks.jsonl" }
        if geteuid() == 0 { return "/var/log/hookd/webhooks.jsonl" }
        let state = environment["XDG_STATE_HOME"] ?? "\(environment["HOME"] ?? "/tmp")/.local/state"
        return "\(state)/hookd/log/webhooks.jsonl"
    }
}
