import ArgumentParser
import HookClient
import HookJSON

/// `hookrpc credential get|source|invalidate`.
struct CredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential", abstract: "Read, locate or invalidate webhook credentials.",
        subcommands: [Get.self, Source.self, Invalidate.self])

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a webhook's credential and how the cache served it.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The webhook code.") var code: String
        @Option(help: "OUT or IN.") var direction = "OUT"

        func run() throws {
            let result = try perform { try options.client().credential(code: code, direction: direction) }
            print(options.json ? result.compactText : result.prettyText())
        }
    }

    struct Source: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show where a webhook's credential lives and whether it exists (never the value).")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The webhook code.") var code: String
        @Option(help: "OUT or IN.") var direction = "OUT"

        func run() throws {
            let result = try perform { try options.client().credentialSource(code: code, direction: direction) }
            if options.json {
                print(result.compactText)
                return
            }
            let exists = result["exists"].map { $0 == .bool(true) ? "yes" : ($0 == .bool(false) ? "no" : "unknown") } ?? "unknown"
            print("\(code)/\(direction): \(result["source"]?.stringValue ?? "?") (ref \(result["ref"]?.stringValue ?? "-"))")
            print("exists: \(exists)\(result["error"]?.stringValue.map { " (\($0))" } ?? "")")
            print("cached: \(result["cached"] == .bool(true) ? "yes" : "no")")
            if result["uses_database"] == .bool(true) { print("still uses the legacy database credential: migrate it to Infisical") }
        }
    }

    struct Invalidate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop cached credentials (all without a code) on every hookd sharing the cache.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The webhook code; all webhooks when left out.") var code: String?
        @Option(help: "OUT or IN; both when left out.") var direction: String?

        func run() throws {
            let count = try perform { try options.client().invalidateCredentials(code: code, direction: direction) }
            print(options.json ? #"{"invalidated":\#(count)}"# : "invalidated \(count) cached credential(s)")
        }
    }
}
