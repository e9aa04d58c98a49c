import ArgumentParser
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
        let progress = TerminalStyle(stream: STDERR_FILENO).isTerminal && !options.json
            ? ProgressLine(label: "Validating webhooks (\(direction))…") : nil
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

extension TerminalStyle {
    /// A validation status's colour: VALID green, INVALID red, ERROR yellow, the rest dim.
    func colour(_ text: String, for status: String) -> String { colour(text, tone: Self.tone(forStatus: status)) }

    static func tone(forStatus status: String) -> Tone {
        switch status {
        case "VALID": .good
        case "INVALID": .bad
        case "ERROR": .warning
        default: .muted
        }
    }
}

/// The table of `validate-all`: Webhook Code, Status (coloured), Message.
enum ValidationTable {
    static func render(_ results: [JSONValue], style: TerminalStyle) -> String {
        let rows = results.map { result -> [String] in
            [BoxTable.webhookCell(result), result["status"]?.stringValue ?? "?", result["message"]?.stringValue ?? ""]
        }
        return BoxTable.render(headers: ["Webhook Code", "Status", "Message"], rows: rows, style: style, colouredColumn: 1,
                               tone: TerminalStyle.tone(forStatus:))
    }
}
