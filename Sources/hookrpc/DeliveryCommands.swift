import ArgumentParser
import Foundation
import HookClient
import HookJSON

/// `hookrpc deliver CODE PAYLOAD`: hookd sends the webhook (credential applied inside hookd).
struct DeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver", abstract: "Hand hookd a webhook to send: queued durably, retried, logged.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The webhook code.") var code: String
    @Argument(help: "The JSON payload, or @FILE to read it from a file, or @- from standard input.") var payload: String
    @Option(help: "accepted (default), first_attempt or final.") var wait = "accepted"
    @Option(name: .customLong("idempotency-key"), help: "The same key for the same webhook returns the first delivery.")
    var idempotencyKey: String?
    @Option(name: .customLong("header"), help: ArgumentHelp("A header for this delivery, 'Name: value' (repeatable).", valueName: "header"))
    var headers: [String] = []

    func run() throws {
        guard let waitMode = HookClient.DeliveryWait(rawValue: wait) else {
            throw ValidationError("--wait must be accepted, first_attempt or final")
        }
        let text = String(decoding: try argumentBytes(payload), as: UTF8.self)
        guard let value = try? JSONValue.parse(text) else { throw ValidationError("the payload is not valid JSON") }
        var headerFields: [String: String] = [:]
        for header in headers {
            let field = try headerField(header)
            headerFields[field.name] = field.value
        }
        // hookd may wait up to its default 30 s for the attempt: give the socket a little more.
        let client = HookClient(socketPath: options.socket, timeoutSeconds: max(options.timeout, waitMode == .accepted ? 0 : 35))
        let result = try perform {
            try client.deliver(code: code, payload: value, headers: headerFields, idempotencyKey: idempotencyKey, wait: waitMode)
        }
        if options.json { return print(result.compactText) }
        var line = "\(result["delivery_id"]?.stringValue ?? "?") \(result["status"]?.stringValue ?? "?")"
        if let attempt = result["attempt"] {
            let status = attempt["status_code"]?.integerValue.map(String.init) ?? attempt["error"]?.stringValue ?? "?"
            line += " (attempt \(attempt["number"]?.integerValue ?? 0): \(status))"
        }
        print(line)
    }
}

/// `hookrpc deliveries [--code C] [--status S]`, `hookrpc delivery ID`, `hookrpc cancel ID`,
/// `hookrpc delivery-stats [CODE]`.
struct DeliveriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "List deliveries, newest first.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "Only this webhook's.") var code: String?
    @Option(help: "queued, in_flight, retrying, delivered, dead or cancelled.") var status: String?
    @Option(help: "At most this many (1 to 1000).") var limit = 100

    func run() throws {
        let result = try perform { try options.client().deliveries(code: code, status: status, limit: limit) }
        if options.json { return print(result.compactText) }
        for row in result["deliveries"]?.arrayValue ?? [] {
            let fields = ["delivery_id", "code", "status", "attempt_count", "created_at", "dead_reason"].map { key -> String in
                switch row[key] {
                case .string(let text)?: text
                case .integer(let number)?: String(number)
                default: "-"
                }
            }
            print(fields.joined(separator: "  "))
        }
    }
}

struct DeliveryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delivery", abstract: "Show a delivery and its attempts.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The delivery id (dlv_…).") var id: String

    func run() throws {
        let result = try perform { try options.client().delivery(id: id) }
        print(options.json ? result.compactText : result.prettyText())
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Stop a delivery that is not final yet.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The delivery id (dlv_…).") var id: String

    func run() throws {
        let result = try perform { try options.client().cancelDelivery(id: id) }
        if options.json { return print(result.compactText) }
        let status = result["status"]?.stringValue ?? "?"
        print(result["cancelled"] == .bool(true) ? "cancelled \(id)" : "\(id) was already \(status); nothing to cancel")
    }
}

struct DeliveryStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delivery-stats", abstract: "Deliveries per status; with a code, its breaker too.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The webhook code; the whole queue when left out.") var code: String?

    func run() throws {
        let result = try perform { try options.client().deliveryStats(code: code) }
        print(options.json ? result.compactText : result.prettyText())
    }
}

/// `hookrpc replay ID | --code C --status dead`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Send dead or delivered deliveries again as new ones.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The delivery id (dlv_…); or give --code and --status.") var id: String?
    @Option(help: "Replay this webhook's deliveries in --status.") var code: String?
    @Option(help: "dead or delivered.") var status: String?
    @Option(help: "At most this many (1 to 1000).") var limit: Int?
    @Flag(name: .customLong("new-message"), help: "Give each replay its own webhook-id.") var newMessage = false

    func validate() throws {
        guard (id != nil) != (code != nil && status != nil), (code == nil) == (status == nil) else {
            throw ValidationError("give a delivery id, or --code and --status")
        }
    }

    func run() throws {
        let client = options.client()
        let result = try perform {
            if let id { return try client.replayDelivery(id: id, newMessage: newMessage) }
            return try client.replayDeliveries(code: code ?? "", status: status ?? "", limit: limit, newMessage: newMessage)
        }
        if options.json { return print(result.compactText) }
        for replay in result["replays"]?.arrayValue ?? [] {
            print("\(replay["delivery_id"]?.stringValue ?? "?") replays \(replay["replay_of"]?.stringValue ?? "?")")
        }
    }
}
