import ArgumentParser
import Foundation
import HookClient
import HookJSON

#if canImport(Glibc)
import Glibc
#endif

/// `hookrpc migrate plan|run|verify|rollback|status`: moves legacy credentials into Infisical,
/// one table per step. The replies name webhooks and secrets, never a value.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Move legacy credentials (database, env, file) into Infisical: plan, run, verify, roll back.",
        discussion: """
            Exit status of every subcommand: 0 all good, 1 something failed (or hookd refused the call), 2 conflicts and nothing \
            failed, 3 hookd unreachable, 64 a usage error. plan, run, verify and rollback wait as long as hookd takes (a day) \
            unless --timeout is given.
            """,
        subcommands: [Plan.self, Run.self, Verify.self, Rollback.self, Status.self])

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a run would do to each webhook (create, skip_same, conflict, unreadable); writes nothing.",
            discussion: "Exit status: 0, 1 when a credential is unreadable, 2 when there are conflicts only, 3 hookd unreachable.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var selection: MigrationSelection
        @Option(help: ArgumentHelp("Secret name template for this plan (default: infisical.secret_naming).", valueName: "template"))
        var naming: String?

        func run() throws {
            let client = options.longRunningClient()
            let result = try perform {
                try client.migratePlan(codes: selection.codeList, direction: selection.direction?.rawValue, from: selection.from?.rawValue,
                                       naming: naming)
            }
            MigrationReport.print(result, json: options.json, Self.describe)
            throw ExitCode(Self.exitStatus(result))
        }

        static func describe(_ result: JSONValue, style: TerminalStyle) -> String {
            let webhooks = result["webhooks"]?.arrayValue ?? []
            var text = ""
            if let first = webhooks.first {
                text += "Target: Infisical environment \(first["environment"]?.stringValue ?? "?"), path \(first["secret_path"]?.stringValue ?? "?")\n"
            }
            let rows = webhooks.map { webhook -> [String] in
                [BoxTable.webhookCell(webhook), webhook["source"]?.stringValue ?? "?", webhook["secret_name"]?.stringValue ?? "?",
                 webhook["action"]?.stringValue ?? "?", webhook["reason"]?.stringValue ?? ""]
            }
            text += MigrationReport.table(headers: ["Webhook Code", "Source", "Secret", "Action", "Reason"], rows: rows, colouredColumn: 3, style: style)
            return text + MigrationReport.summary(result["summary"], ["total", "create", "skip_same", "conflict", "unreadable"])
        }

        static func exitStatus(_ result: JSONValue) -> Int32 {
            let webhooks = result["webhooks"]?.arrayValue ?? []
            return MigrationReport.exitStatus(failed: MigrationReport.count(webhooks, "action", "unreadable"),
                                              conflicts: MigrationReport.count(webhooks, "action", "conflict"))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Migrate each planned webhook: write the secret, read it back, switch the registry, invalidate, audit.",
            discussion: """
                Without --yes it shows the plan and asks on a terminal; with no terminal it refuses (exit 64). --dry-run asks \
                nothing and writes nothing. Exit status: 0 all migrated or skipped, 1 something failed (or the answer was not \
                yes), 2 conflicts only (see --overwrite), 3 hookd unreachable, 64 no --yes and no terminal.
                """)
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var selection: MigrationSelection
        @Flag(help: "Report what a run would do; write nothing.") var dryRun = false
        @Flag(help: "Replace a secret that holds a different value (otherwise it is a conflict and left alone).") var overwrite = false
        @Option(help: "Webhooks migrated at once, 1 to 32 (default: hookd's, 4).") var concurrency: Int?
        @Flag(help: "Migrate without showing the plan and asking.") var yes = false

        func validate() throws {
            if let concurrency, !(1...32).contains(concurrency) {
                throw ValidationError("--concurrency must be 1 to 32, got \(concurrency)")
            }
            if !dryRun && !yes && isatty(STDIN_FILENO) != 1 {
                throw ValidationError(
                    "migrate run changes where credentials live and there is no terminal to ask on: pass --yes to migrate (or --dry-run to see what it would do)")
            }
        }

        func run() throws {
            let client = options.longRunningClient()
            var count: Int?
            if !dryRun && !yes {
                count = try confirm(client)
            }
            let progress = TerminalStyle(stream: STDERR_FILENO).isTerminal && !options.json
                ? ProgressLine(label: "migrating \(count.map { "\($0) " } ?? "")webhooks\(dryRun ? " (dry run)" : "")…") : nil
            progress?.start()
            let result = try perform {
                defer { progress?.finish() }
                return try client.migrateRun(codes: selection.codeList, direction: selection.direction?.rawValue, from: selection.from?.rawValue,
                                             dryRun: dryRun, overwrite: overwrite, concurrency: concurrency)
            }
            MigrationReport.print(result, json: options.json, Self.describe)
            let results = result["results"]?.arrayValue ?? []
            throw ExitCode(MigrationReport.exitStatus(failed: MigrationReport.count(results, "outcome", "failed"),
                                                      conflicts: MigrationReport.count(results, "outcome", "conflict")))
        }

        /// Shows the plan (on stderr with `--json`, so stdout stays the run's JSON) and asks.
        /// - Returns: how many webhooks the run is to migrate.
        /// - Throws: `ExitCode(1)` unless the answer is yes.
        private func confirm(_ client: HookClient) throws -> Int {
            let plan = try perform {
                try client.migratePlan(codes: selection.codeList, direction: selection.direction?.rawValue, from: selection.from?.rawValue)
            }
            if options.json {
                writeToStandardError(Plan.describe(plan, style: TerminalStyle(stream: STDERR_FILENO)))
            } else {
                print(Plan.describe(plan, style: TerminalStyle(stream: STDOUT_FILENO)), terminator: "")
            }
            let actions = (plan["webhooks"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
            let count = actions.filter { $0 == "create" || $0 == "skip_same" || (overwrite && $0 == "conflict") }.count
            writeToStandardError("Migrate \(count) webhook\(count == 1 ? "" : "s") into Infisical? [y/N] ")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                writeToStandardError("hookrpc: nothing migrated\n")
                throw ExitCode(1)
            }
            return count
        }

        static func describe(_ result: JSONValue, style: TerminalStyle) -> String {
            let rows = (result["results"]?.arrayValue ?? []).map { item -> [String] in
                [BoxTable.webhookCell(item), item["secret_name"]?.stringValue ?? "?", item["outcome"]?.stringValue ?? "?",
                 MigrationReport.yesNo(item["written"]), item["reason"]?.stringValue ?? ""]
            }
            var text = result["dry_run"] == .bool(true) ? "Dry run: nothing was written.\n" : ""
            let written = result["dry_run"] == .bool(true) ? "Would Write" : "Written"
            text += MigrationReport.table(headers: ["Webhook Code", "Secret", "Outcome", written, "Reason"], rows: rows, colouredColumn: 2, style: style)
            return text + MigrationReport.summary(result["summary"], ["total", "migrated", "skipped", "conflict", "failed"])
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every migrated webhook: secret present and equal, registry pointing at it, validation unchanged.",
            discussion: "Exit status: 0 all ok, 1 a check failed, 3 hookd unreachable.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var codes: MigrationCodes

        func run() throws {
            let client = options.longRunningClient()
            let result = try perform { try client.migrateVerify(codes: codes.codeList) }
            MigrationReport.print(result, json: options.json, Self.describe)
            let results = result["results"]?.arrayValue ?? []
            throw ExitCode(MigrationReport.exitStatus(failed: results.filter { $0["ok"] != .bool(true) }.count, conflicts: 0))
        }

        static func describe(_ result: JSONValue, style: TerminalStyle) -> String {
            let rows = (result["results"]?.arrayValue ?? []).map { item -> [String] in
                let before = item["validation_before"]?.stringValue ?? "-"
                return [BoxTable.webhookCell(item), item["secret_name"]?.stringValue ?? "?", item["ok"] == .bool(true) ? "ok" : "failed",
                        MigrationReport.yesNo(item["present"]), MigrationReport.yesNo(item["equal"]), MigrationReport.yesNo(item["registry"]),
                        "\(before) → \(item["validation_after"]?.stringValue ?? "?")", item["reason"]?.stringValue ?? ""]
            }
            let headers = ["Webhook Code", "Secret", "Result", "Present", "Equal", "Registry", "Validation", "Reason"]
            return MigrationReport.table(headers: headers, rows: rows, colouredColumn: 2, style: style)
                + MigrationReport.summary(result["summary"], ["total", "ok", "failed"])
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put migrated webhooks back on their backed-up legacy credential.",
            discussion: """
                With --delete-secret also deletes the Infisical secrets the migration created (never one it found there or only \
                overwrote). Exit status: 0 all rolled back, 1 something failed, 3 hookd unreachable.
                """)
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var codes: MigrationCodes
        @Flag(help: "Also delete the Infisical secrets the migration created.") var deleteSecret = false

        func run() throws {
            let client = options.longRunningClient()
            let result = try perform { try client.migrateRollback(codes: codes.codeList, deleteSecret: deleteSecret) }
            MigrationReport.print(result, json: options.json, Self.describe)
            let results = result["results"]?.arrayValue ?? []
            throw ExitCode(MigrationReport.exitStatus(failed: MigrationReport.count(results, "outcome", "failed"), conflicts: 0))
        }

        static func describe(_ result: JSONValue, style: TerminalStyle) -> String {
            let rows = (result["results"]?.arrayValue ?? []).map { item -> [String] in
                [BoxTable.webhookCell(item), item["secret_name"]?.stringValue ?? "?", item["outcome"]?.stringValue ?? "?",
                 MigrationReport.yesNo(item["secret_deleted"]), item["reason"]?.stringValue ?? ""]
            }
            return MigrationReport.table(headers: ["Webhook Code", "Secret", "Outcome", "Secret Deleted", "Reason"], rows: rows, colouredColumn: 2, style: style)
                + MigrationReport.summary(result["summary"], ["total", "rolled_back", "failed"])
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each webhook's migration state: planned, in_progress (with the step), migrated, rolled_back, failed.",
            discussion: "Exit status: 0, 1 when a webhook's migration failed, 3 hookd unreachable.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var codes: MigrationCodes
        @Option(help: "The legacy source whose webhooks count as planned: database, env or file (default: database).") var from: LegacySource?

        func run() throws {
            let result = try perform { try options.client().migrateStatus(codes: codes.codeList, from: from?.rawValue) }
            MigrationReport.print(result, json: options.json, Self.describe)
            let webhooks = result["webhooks"]?.arrayValue ?? []
            throw ExitCode(MigrationReport.exitStatus(failed: MigrationReport.count(webhooks, "state", "failed"), conflicts: 0))
        }

        static func describe(_ result: JSONValue, style: TerminalStyle) -> String {
            let rows = (result["webhooks"]?.arrayValue ?? []).map { item -> [String] in
                [BoxTable.webhookCell(item), item["state"]?.stringValue ?? "?", item["step"]?.stringValue ?? "",
                 item["secret_name"]?.stringValue ?? "?", item["updated_at"]?.stringValue ?? "", item["reason"]?.stringValue ?? ""]
            }
            let headers = ["Webhook Code", "State", "Step", "Secret", "Updated", "Reason"]
            return MigrationReport.table(headers: headers, rows: rows, colouredColumn: 1, style: style)
                + MigrationReport.summary(result["summary"], ["total", "planned", "in_progress", "migrated", "rolled_back", "failed"])
        }
    }
}

/// `[CODE…]`: the webhooks a migration subcommand is about.
struct MigrationCodes: ParsableArguments {
    @Argument(help: ArgumentHelp("Webhook codes (default: every webhook).", valueName: "code")) var codes: [String] = []

    /// nil for none given: hookd then takes every webhook.
    var codeList: [String]? { codes.isEmpty ? nil : codes }
}

/// `[CODE…] [--direction OUT|IN|ALL] [--from database|env|file]`: the webhooks `plan` and `run` move.
struct MigrationSelection: ParsableArguments {
    @OptionGroup var codes: MigrationCodes
    @Option(help: "OUT, IN or ALL (default: ALL).") var direction: MigrationDirection?
    @Option(help: "Where the credentials are now: database, env or file (default: database).") var from: LegacySource?

    var codeList: [String]? { codes.codeList }
}

/// `--direction`: checked here, so a typo is a usage error (64) before anything is sent.
enum MigrationDirection: String, CaseIterable, ExpressibleByArgument {
    case out = "OUT"
    case `in` = "IN"
    case all = "ALL"
}

/// `--from`: a credential source a migration can read from (Infisical is where it goes).
enum LegacySource: String, CaseIterable, ExpressibleByArgument {
    case database, env, file
}

/// What the migration subcommands share for people: the table, the summary line, the exit status.
enum MigrationReport {
    /// The reply as compact JSON, or for people on stdout.
    static func print(_ result: JSONValue, json: Bool, _ describe: (JSONValue, TerminalStyle) -> String) {
        if json {
            Swift.print(result.compactText)
        } else {
            Swift.print(describe(result, TerminalStyle(stream: STDOUT_FILENO)), terminator: "")
        }
    }

    /// The table, or one line saying there is nothing to show. A column with nothing in it (no
    /// reason, no step) is left out; the first, the webhook, always stays.
    static func table(headers: [String], rows: [[String]], colouredColumn: Int, style: TerminalStyle) -> String {
        guard !rows.isEmpty else { return "No webhooks.\n" }
        let kept = headers.indices.filter { column in column == 0 || rows.contains { !$0[column].isEmpty } }
        return BoxTable.render(headers: kept.map { headers[$0] }, rows: rows.map { row in kept.map { row[$0] } }, style: style,
                               colouredColumn: kept.firstIndex(of: colouredColumn), tone: tone)
    }

    /// `Summary: total 3, create 2, …` with the counts in `names`' order.
    static func summary(_ summary: JSONValue?, _ names: [String]) -> String {
        "Summary: " + names.map { "\($0) \(summary?[$0]?.compactText ?? "0")" }.joined(separator: ", ") + "\n"
    }

    /// 1 when something failed, 2 when there are conflicts and no failure, 0 otherwise.
    static func exitStatus(failed: Int, conflicts: Int) -> Int32 {
        if failed > 0 { return 1 }
        if conflicts > 0 { return 2 }
        return 0
    }

    static func count(_ rows: [JSONValue], _ field: String, _ value: String) -> Int {
        rows.filter { $0[field]?.stringValue == value }.count
    }

    static func yesNo(_ value: JSONValue?) -> String { value == .bool(true) ? "yes" : "no" }

    /// The colour of a plan action, run outcome, verify result or journal state.
    private static func tone(_ word: String) -> TerminalStyle.Tone {
        switch word {
        case "create", "skip_same", "migrated", "ok", "rolled_back": .good
        case "conflict", "in_progress": .warning
        case "unreadable", "failed": .bad
        default: .muted
        }
    }
}

extension ConnectionOptions {
    /// A client for a call that takes as long as there are webhooks: a day (HookClient's limit),
    /// unless `--timeout` was given, whose value is kept (its 30 s default is for quick calls).
    func longRunningClient() -> HookClient {
        HookClient(socketPath: socket, timeoutSeconds: Self.timeoutGiven ? timeout : 86_400)
    }

    /// Whether the command line spells out `--timeout`: ArgumentParser gives its default and an
    /// explicit value alike.
    private static var timeoutGiven: Bool {
        CommandLine.arguments.dropFirst().prefix { $0 != "--" }.contains { $0 == "--timeout" || $0.hasPrefix("--timeout=") }
    }
}
