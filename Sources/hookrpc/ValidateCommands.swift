import ArgumentParser
import Dispatch
import HookClient
import HookJSON

#if canImport(Glibc)
import Glibc
#endif

/// `hookrpc validate CODE`: the seed's single-webhook check, with its exit statuses.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check one webhook's credential against its endpoint (or its signing secret).",
        discussion: "Exit status: 0 VALID or UNTESTED, 1 INVALID, 2 ERROR, 3 hookd unreachable.")
    @OptionGroup var options: ConnectionOptions
    @OptionGroup var key: WebhookKeyArguments

    func run() throws {
        let result = try perform {
            try options.client().validate(code: key.code, direction: key.direction)
        }
        if options.json {
            print(result.compactText)
        } else {
            print(Self.describe(result, key: key, style: TerminalStyle(stream: STDOUT_FILENO)), terminator: "")
        }
        throw ExitCode(ValidationExit.status(for: [result["status"]?.stringValue ?? ""]))
    }

    /// The original validator's wording: what is checked, a ✓/✗ line with the message, then the
    /// details, the four an operator reads first (url, status_code, credential_source,
    /// auth_type) leading and the rest after them by name.
    static func describe(_ result: JSONValue, key: WebhookKeyArguments, style: TerminalStyle) -> String {
        let status = result["status"]?.stringValue ?? "?"
        let mark = status == "VALID" ? "✓" : (status == "UNTESTED" ? "-" : "✗")
        var text = "Validating \(key.direction) webhook: \(key.code)\n"
        text += style.colour("\(mark) \(result["message"]?.stringValue ?? status)", for: status) + "\n"
        if let reason = result["reason"]?.stringValue { text += "  reason: \(reason)\n" }
        text += "Details:\n"
        guard case .object(let details)? = result["details"] else { return text }
        let first = ["url", "status_code", "credential_source", "auth_type"]
        for name in first.filter({ details[$0] != nil }) + details.keys.sorted().filter({ !first.contains($0) }) {
            let value = details[name].map { $0.stringValue ?? $0.compactText } ?? ""
            text += "  \(name): \(value)\n"
        }
        return text
    }
}

/// `hookrpc validate-all`: every webhook's check as a table and a summary, for deployment gates.
struct ValidateAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-all", abstract: "Check every webhook's credential concurrently; print a table and a summary.",
        discussion: "Exit status: 0 when nothing is INVALID or ERROR, 1 when something is INVALID, 2 when only ERRORs, 3 hookd unreachable. Waits up to 10 minutes for the checks unless --timeout says longer.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "OUT, IN or ALL.") var direction = "ALL"
    @Option(help: "Checks at once (1 to 64; default: hookd's validation.concurrency).") var concurrency: Int?

    func run() throws {
        let client = HookClient(socketPath: options.socket, timeoutSeconds: max(options.timeout, 600))
        let progress = TerminalStyle(stream: STDERR_FILENO).isTerminal && !options.json ? ProgressLine(direction: direction) : nil
        progress?.start()
        let result = try perform {
            defer { progress?.finish() }
            return try client.validateAll(direction: direction, concurrency: concurrency)
        }
        let results = result["results"]?.arrayValue ?? []
        if options.json {
            print(result.compactText)
        } else {
            let title = direction.uppercased() == "ALL" ? "All" : direction.uppercased()
            print("\(title) Webhook Validation Results")
            print(ValidationTable.render(results, style: TerminalStyle(stream: STDOUT_FILENO)), terminator: "")
            let summary = result["summary"]
            func count(_ name: String) -> String { summary?[name].map { $0.compactText } ?? "0" }
            print("")
            print("Summary:")
            print("  Valid:    \(count("valid"))")
            print("  Invalid:  \(count("invalid"))")
            print("  Untested: \(count("untested"))")
            print("  Errors:   \(count("errors"))")
            print("  Total:    \(count("total")) in \(result["duration_ms"]?.compactText ?? "?") ms")
        }
        throw ExitCode(ValidationExit.status(for: results.compactMap { $0["status"]?.stringValue }))
    }
}

/// `hookrpc check-source CODE`: where the credential lives, and whether it still uses the database.
struct CheckSourceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-source", abstract: "Show where a webhook's credential lives (Infisical or the legacy database).")
    @OptionGroup var options: ConnectionOptions
    @OptionGroup var key: WebhookKeyArguments

    func run() throws { try CredentialCommand.Source.show(options: options, key: key) }
}

/// The exit statuses `validate` and `validate-all` share, so CI can gate a deployment on them.
enum ValidationExit {
    static func status(for statuses: [String]) -> Int32 {
        if statuses.contains("INVALID") { return 1 }
        if statuses.contains("ERROR") { return 2 }
        return 0
    }
}

/// Colour for people on a terminal; plain text when piped or when `NO_COLOR` is set.
struct TerminalStyle {
    let isTerminal: Bool
    let colours: Bool

    init(stream: Int32) {
        isTerminal = isatty(stream) == 1
        colours = isTerminal && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
    }

    func colour(_ text: String, for status: String) -> String {
        guard colours else { return text }
        let code = switch status {
        case "VALID": "32"
        case "INVALID": "31"
        case "ERROR": "33"
        default: "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

/// The box-drawn table of `validate-all`: Webhook Code, Status, Message; heavy lines on a
/// terminal (as the original validator's table), light ones when piped.
enum ValidationTable {
    /// The box-drawing characters: corners and joints per row of lines, then the verticals.
    private struct Box {
        var top: (String, String, String), middle: (String, String, String), bottom: (String, String, String)
        var horizontal: String, vertical: String

        static let light = Box(top: ("┌", "┬", "┐"), middle: ("├", "┼", "┤"), bottom: ("└", "┴", "┘"), horizontal: "─", vertical: "│")
        static let heavy = Box(top: ("┏", "┳", "┓"), middle: ("┣", "╋", "┫"), bottom: ("┗", "┻", "┛"), horizontal: "━", vertical: "┃")
    }

    static func render(_ results: [JSONValue], style: TerminalStyle) -> String {
        let box = style.isTerminal ? Box.heavy : Box.light
        let rows = results.map { result -> [String] in
            let code = (result["code"]?.stringValue ?? "?") + (result["direction"] == "IN" ? " (IN)" : "")
            return [code, result["status"]?.stringValue ?? "?", result["message"]?.stringValue ?? ""]
        }
        let headers = ["Webhook Code", "Status", "Message"]
        let widths = (0..<3).map { column in ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
        func line(_ joints: (String, String, String)) -> String {
            joints.0 + widths.map { String(repeating: box.horizontal, count: $0 + 2) }.joined(separator: joints.1) + joints.2 + "\n"
        }
        func row(_ cells: [String], status: String? = nil) -> String {
            var text = box.vertical
            for (index, cell) in cells.enumerated() {
                let padded = " " + cell.padding(to: widths[index]) + " "
                text += (index == 1 && status != nil ? style.colour(padded, for: status ?? "") : padded) + box.vertical
            }
            return text + "\n"
        }
        var output = line(box.top) + row(headers) + line(box.middle)
        for cells in rows { output += row(cells, status: cells[1]) }
        return output + line(box.bottom)
    }
}

/// The line `validate-all` keeps up to date on a terminal while hookd runs the checks (one call,
/// so the elapsed time is what there is to show); erased before the table prints.
final class ProgressLine: @unchecked Sendable {
    // `timer` is only touched on `queue`, where its handler also runs: `finish` erases the line
    // after any update in progress, never before.
    private let direction: String
    private let queue = DispatchQueue(label: "hookrpc.progress")
    private var timer: DispatchSourceTimer?
    private let started = ContinuousClock.now

    init(direction: String) { self.direction = direction }

    func start() {
        queue.sync { startOnQueue() }
    }

    func finish() {
        queue.sync {
            timer?.cancel()
            timer = nil
            writeToStandardError("\r\u{1B}[K")
        }
    }

    private func startOnQueue() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(500))
        timer.setEventHandler { [direction, started] in
            let seconds = (ContinuousClock.now - started).components.seconds
            writeToStandardError("\r\u{1B}[KValidating webhooks (\(direction))… \(seconds) s")
        }
        timer.resume()
        self.timer = timer
    }
}
