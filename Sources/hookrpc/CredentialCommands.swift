import ArgumentParser
import HookClient
import HookJSON
import HookNumbers

/// `hookrpc credential get|warm|source|invalidate`.
struct CredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential", abstract: "Read, warm, locate or invalidate webhook credentials.",
        subcommands: [Get.self, Warm.self, Source.self, Invalidate.self])

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a webhook's credential and how the cache served it.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var key: WebhookKeyArguments

        func run() throws {
            let result = try perform { try options.client().credential(code: key.code, direction: key.direction) }
            print(options.json ? result.compactText : result.prettyText())
        }
    }

    struct Warm: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring a webhook's credential into the cache without printing it.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var key: WebhookKeyArguments

        func run() throws {
            let result = try perform { try options.client().warmCredential(code: key.code, direction: key.direction) }
            let tier = result["tier"]?.stringValue ?? "source"
            let seconds = Int(clamping: result["ttl_s"]?.doubleValue ?? 0, rounding: .down)
            print(options.json ? result.compactText : "cached \(key.code)/\(key.direction) (from \(tier)) for \(seconds) s")
        }
    }

    struct Source: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show where a webhook's credential lives and whether it exists (never the value).")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var key: WebhookKeyArguments

        func run() throws { try Self.show(options: options, key: key) }

        /// Prints where the credential lives (JSON with `--json`): shared with `hookrpc check-source`.
        static func show(options: ConnectionOptions, key: WebhookKeyArguments) throws {
            let result = try perform { try options.client().credentialSource(code: key.code, direction: key.direction) }
            print(options.json ? result.compactText : describe(result, key: key), terminator: options.json ? "\n" : "")
        }

        /// Where the credential lives, for people.
        static func describe(_ result: JSONValue, key: WebhookKeyArguments) -> String {
            let exists = result["exists"].map { $0 == .bool(true) ? "yes" : ($0 == .bool(false) ? "no" : "unknown") } ?? "unknown"
            let reference = result["ref"]?.stringValue.map { " (ref \($0))" } ?? ""
            var text = "Webhook:  \(key.code)/\(key.direction)\n"
            text += "Source:   \(result["source"]?.stringValue ?? "?")\(reference)\n"
            text += "Exists:   \(exists)\(result["error"]?.stringValue.map { " (\($0))" } ?? "")\n"
            text += "Cached:   \(result["cached"] == .bool(true) ? "yes" : "no")\n"
            text += result["uses_database"] == .bool(true)
                ? "Database: yes - still uses the legacy database credential; migrate it to Infisical\n" : "Database: no\n"
            return text
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
