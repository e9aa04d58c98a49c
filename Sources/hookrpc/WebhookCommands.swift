import ArgumentParser
import Foundation
import HookClient
import HookCore
import HookJSON
import HookYAML
import Yams

/// `hookrpc webhook list|get|upsert|delete|import|export`: the registry, and keeping it in git.
struct WebhookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage the webhook registry.",
        subcommands: [List.self, Get.self, Upsert.self, Delete.self, Import.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered webhooks.")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "OUT or IN; both when left out.") var direction: String?

        func run() throws {
            let webhooks = try perform { try options.client().webhooks(direction: direction) }
            if options.json {
                print(JSONValue.array(webhooks).compactText)
                return
            }
            let rows = webhooks.map { webhook in
                ["\(webhook["code"]?.stringValue ?? "")/\(webhook["direction"]?.stringValue ?? "")",
                 webhook["auth_type"]?.stringValue ?? "", webhook["credential"]?["source"]?.stringValue ?? "",
                 webhook["url"]?.stringValue ?? "(service)"]
            }
            let header = ["WEBHOOK", "AUTH", "SOURCE", "URL"]
            let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print((0..<3).map { row[$0].padding(to: widths[$0]) }.joined(separator: "  ") + "  " + row[3])
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one webhook (never its credential).")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var key: WebhookKeyArguments

        func run() throws {
            let webhook = try perform { try options.client().webhook(code: key.code, direction: key.direction) }
            print(options.json ? webhook.compactText : webhook.prettyText())
        }
    }

    struct Upsert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace a webhook from a JSON definition.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: ArgumentHelp("The definition, e.g. '{\"code\":\"STRIPE\",\"url\":\"https://…\",\"auth_type\":\"bearer\"}'.", valueName: "json"))
        var definition: String

        func run() throws {
            guard case .object(let object)? = try? JSONValue.parse(definition) else {
                throw ValidationError("the definition must be a JSON object")
            }
            let webhook = try perform { try options.client().upsertWebhook(object) }
            print(options.json ? webhook.compactText : webhook.prettyText())
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a webhook from the registry.")
        @OptionGroup var options: ConnectionOptions
        @OptionGroup var key: WebhookKeyArguments

        func run() throws {
            let deleted = try perform { try options.client().deleteWebhook(code: key.code, direction: key.direction) }
            print(options.json ? #"{"deleted":\#(deleted)}"# : (deleted ? "deleted \(key.code)/\(key.direction)" : "no webhook \(key.code)/\(key.direction)"))
            if !deleted { throw ExitCode(1) }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace every webhook in a YAML file (`webhooks:` list of definitions).",
            discussion: "Every definition is checked before any is sent, so a bad file changes nothing.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The YAML file.") var file: String

        func run() throws {
            let definitions = try RegistryFile.read(file)
            let client = options.client()
            for definition in definitions {
                _ = try perform { try client.upsertWebhook(definition) }
            }
            print(options.json ? #"{"imported":\#(definitions.count)}"# : "imported \(definitions.count) webhook(s) from \(file)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the registry as YAML for `webhook import` (no credential values, no timestamps).")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "OUT or IN; both when left out.") var direction: String?

        func run() throws {
            let webhooks = try perform { try options.client().webhooks(direction: direction) }
            print(RegistryFile.yaml(webhooks), terminator: "")
        }
    }
}

/// The YAML form of the registry: `webhooks:` followed by definitions.
enum RegistryFile {
    /// Fields that describe a webhook; timestamps are the registry's own business.
    static let fields = [
        "code", "direction", "type", "url", "method", "auth_type", "credential", "headers", "timeout_seconds", "enabled", "description",
        "alerting", "validate_method", "allow_insecure_http", "inbound",
    ] + DeliveryOverrides.fields

    static func read(_ path: String) throws -> [JSONObject] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ValidationError("\(path) is not valid YAML: \(error)")
        }
        guard let root, case .mapping(let mapping) = root, let list = mapping["webhooks"], case .sequence(let items) = list else {
            throw ValidationError("\(path) must hold a `webhooks:` list")
        }
        return try items.enumerated().map { index, item in
            guard case .object(let object) = YAMLJSON.json(item) else { throw ValidationError("\(path): webhooks[\(index)] must be a mapping") }
            // The daemon's own rules, applied before anything is sent: a bad file changes nothing.
            do throws(WebhookValidationError) {
                _ = try WebhookDefinition(json: object)
            } catch {
                throw ValidationError("\(path): webhooks[\(index)]: \(error.description)")
            }
            return object
        }
    }

    /// JSON is YAML: each value is written as compact JSON, which keeps types exact.
    static func yaml(_ webhooks: [JSONValue]) -> String {
        var text = "webhooks:\n"
        for webhook in webhooks {
            var first = true
            for field in fields {
                // Left out when null or {}: re-imported, it means the same (not set).
                guard var value = webhook[field], value != .null, value != .object([:]) else { continue }
                if field == "credential", case .object(var credential) = value {
                    if credential["ref"] == .null { credential["ref"] = nil }
                    value = .object(credential)
                }
                text += (first ? "  - " : "    ") + "\(field): \(value.compactText)\n"
                first = false
            }
        }
        return text
    }
}
