import ArgumentParser
import HookClient
import HookCore
import HookJSON

/// `hookrpc verify CODE --header 'Name: value' … --body @file`: is a received request signed by
/// the webhook's sender? Exit status 0 valid, 1 invalid (or hookd refused the call), 3 unreachable.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a received request's signature with the IN webhook's secret (inside hookd).",
        discussion: "Exit status: 0 valid, 1 invalid or refused by hookd, 3 when hookd cannot be reached.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The IN webhook's code.") var code: String
    @Option(name: .customLong("header"), help: ArgumentHelp("A header as received, 'Name: value' (repeatable).", valueName: "header"))
    var headers: [String] = []
    @Option(help: ArgumentHelp("The exact body received: @FILE, @- for standard input, or the text itself.", valueName: "body"))
    var body: String
    @Option(help: "The full URL the sender requested (twilio signs it).") var url: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A form field of the post, 'name=value' (repeatable; twilio).", valueName: "param"))
    var params: [String] = []
    @Option(name: .customLong("received-at"), help: ArgumentHelp("When the request arrived: unix seconds or ISO 8601 with a zone (default now).",
                                                               valueName: "time"))
    var receivedAt: String?

    func run() throws {
        let headerFields = try headers.map(headerField)
        var formFields: [(name: String, value: String)]? = nil
        if !params.isEmpty {
            formFields = try params.map { argument in
                guard let equals = argument.firstIndex(of: "=") else { throw ValidationError("--param wants 'name=value', got '\(argument)'") }
                return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
            }
        }
        var receivedSeconds: Double? = nil
        if let receivedAt {
            guard let seconds = Double(receivedAt) ?? ISO8601.parse(receivedAt) else {
                throw ValidationError("--received-at wants unix seconds or an ISO 8601 time with a zone, got '\(receivedAt)'")
            }
            receivedSeconds = seconds
        }
        let bytes = try argumentBytes(body)
        let verdict = try perform {
            try options.client().verifyInbound(code: code, headers: headerFields, body: bytes, url: url, params: formFields, receivedAt: receivedSeconds)
        }
        if options.json {
            print(verdictJSON(verdict).compactText)
        } else if verdict.valid {
            print("valid (\(verdict.scheme ?? "?")\(verdict.signedWith.map { ", signed with the \($0) secret" } ?? ""))")
        } else {
            print("invalid: \(verdict.reason ?? "?")\(verdict.scheme.map { " (\($0))" } ?? "")")
        }
        if !verdict.valid { throw ExitCode(1) }
    }

    private func verdictJSON(_ verdict: HookClient.InboundVerdict) -> JSONValue {
        var object: JSONObject = ["valid": .bool(verdict.valid), "scheme": verdict.scheme.map(JSONValue.string) ?? .null]
        if let reason = verdict.reason { object["reason"] = .string(reason) }
        if let eventID = verdict.eventID { object["event_id"] = .string(eventID) }
        if let timestamp = verdict.timestamp { object["timestamp"] = .integer(timestamp) }
        if let signedWith = verdict.signedWith { object["signed_with"] = .string(signedWith) }
        return .object(object)
    }
}
