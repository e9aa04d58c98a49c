import ArgumentParser
import Foundation
import HookClient
import HookHTTP
import HookJSON

/// `hookrpc sandbox trigger|replay|route|unroute`: the testing sandbox's calls that need a
/// webhook's secret, made by hookd (started with `sandbox.enabled: true`).
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Exercise webhook code offline: signed sample events, replays and routes to the sandbox.",
        discussion: """
            hookd signs and sends; it refuses every sandbox call unless its configuration says `sandbox.enabled: true` \
            (never in production). The sandbox (hooksandbox) is found by --sandbox, else $HOOKD_SANDBOX_URL, else \
            \(SandboxLocation.defaultURL). Exit status: 0 ok, 1 when hookd answers with an error or the capture is not found, \
            3 when hookd or the sandbox cannot be reached, 64 for a usage error.
            """,
        subcommands: [SandboxTriggerCommand.self, SandboxReplayCommand.self, SandboxRouteCommand.self, SandboxUnrouteCommand.self])
}

/// Where the sandbox's HTTP API is: `--sandbox URL`, else `$HOOKD_SANDBOX_URL`, else the default.
struct SandboxLocation: ParsableArguments {
    /// hooksandbox's own default listen address.
    static let defaultURL = "http://127.0.0.1:8787"

    @Option(name: .long, help: ArgumentHelp("The sandbox's base URL (default: $HOOKD_SANDBOX_URL, then \(defaultURL)).", valueName: "url"))
    var sandbox: String?

    /// The base URL without a trailing slash.
    /// - Throws: `ValidationError` when it is not an http(s) URL, naming where it came from.
    func baseURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment["HOOKD_SANDBOX_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let (url, source) = sandbox.map { ($0, "--sandbox") } ?? environment.map { ($0, "HOOKD_SANDBOX_URL") } ?? (Self.defaultURL, "the default")
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw ValidationError("\(source) must be an http(s) URL such as \(Self.defaultURL), got '\(url)'")
        }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}

/// `hookrpc sandbox trigger PROVIDER EVENT --to URL --code CODE`: like `stripe trigger`, offline.
struct SandboxTriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "hookd sends a provider's sample event, signed with an IN webhook's secret, to a local URL.",
        discussion: "Events: stripe payment_intent.succeeded | charge.failed, github push | pull_request, slack event_callback, "
            + "shopify orders/create, twilio sms, standard_webhooks generic.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The provider: stripe, github, slack, shopify, twilio or standard_webhooks.") var provider: String
    @Argument(help: "The event, e.g. payment_intent.succeeded or push.") var event: String
    @Option(help: ArgumentHelp("Where to POST it: an http(s) URL on loopback.", valueName: "url")) var to: String
    @Option(help: ArgumentHelp("The IN webhook whose secret signs it.", valueName: "code")) var code: String

    func run() throws {
        let result = try perform { try options.client().sandboxTrigger(code: code, provider: provider, event: event, to: to) }
        if options.json { return print(result.compactText) }
        let eventID = result["event_id"]?.stringValue.map { " (\($0))" } ?? ""
        print("sent \(provider) \(event) → \(SandboxExchange.outcome(result))\(eventID)\(SandboxExchange.refusal(result))")
    }
}

/// `hookrpc sandbox replay CAPTURE_ID --to URL [--resign CODE]`: a captured request sent again.
struct SandboxReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "hookd sends a request the sandbox captured again, as it was or re-signed.",
        discussion: """
            The capture (method, path and query, headers, body) is read from the sandbox's API. As captured, a receiver \
            with replay protection refuses it; --resign makes the signature afresh with the IN webhook's secret and the \
            current time (Standard Webhooks keeps its webhook-id).
            """)
    @OptionGroup var options: ConnectionOptions
    @OptionGroup var location: SandboxLocation
    @Argument(help: "The capture's id, as the sandbox's inbox shows it.") var captureID: String
    @Option(help: ArgumentHelp("The base URL on loopback; the capture's path and query are appended to it.", valueName: "url"))
    var to: String
    @Option(name: .customLong("resign"), help: ArgumentHelp("Re-sign it with this IN webhook's secret.", valueName: "code"))
    var resignCode: String?

    func validate() throws {
        guard !captureID.isEmpty, captureID.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("CAPTURE_ID is a whole number, got '\(captureID)'")
        }
        _ = try location.baseURL()
    }

    func run() throws {
        let capture = try SandboxCaptureSource(baseURL: location.baseURL(), timeoutSeconds: options.timeout).capture(id: captureID)
        let result = try perform {
            try options.client().sandboxReplay(method: capture.method, path: capture.target, headers: capture.headers,
                                               bodyBase64: capture.bodyBase64, to: to, resignCode: resignCode)
        }
        if options.json { return print(result.compactText) }
        let resigned = resignCode.map { ", re-signed for \($0)" } ?? ""
        print("replayed capture \(captureID) (\(capture.method) \(capture.target)\(resigned)) → \(SandboxExchange.outcome(result))"
            + SandboxExchange.refusal(result))
    }
}

/// `hookrpc sandbox route CODE… [--to URL]`.
struct SandboxRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route", abstract: "Send OUT webhooks' deliveries and validation to the sandbox instead of their URL.",
        discussion: """
            The registry keeps each URL; webhook.get shows `sandbox: true` while routed, and a restart of hookd ends \
            every route. Without --to, each code goes to its own endpoint <sandbox>/in/<code in lower case>.
            """)
    @OptionGroup var options: ConnectionOptions
    @OptionGroup var location: SandboxLocation
    @Argument(help: "The OUT webhooks' codes.") var codes: [String]
    @Option(help: ArgumentHelp("One endpoint URL on loopback for all of them, e.g. http://127.0.0.1:8787/in/stripe.", valueName: "url"))
    var to: String?

    func validate() throws {
        guard !codes.isEmpty else { throw ValidationError("give at least one webhook code") }
        if to == nil { _ = try location.baseURL() }
    }

    func run() throws {
        let client = options.client()
        let calls: [(codes: [String], to: String)]
        if let to {
            calls = [(codes, to)]
        } else {
            let base = try location.baseURL()
            calls = codes.map { ([$0], "\(base)/in/\($0.lowercased())") }
        }
        for call in calls {
            let result = try perform { try client.sandboxRoute(codes: call.codes, to: call.to) }
            if options.json {
                print(result.compactText)
            } else {
                let routed = result["routed"]?.arrayValue?.compactMap(\.stringValue) ?? call.codes
                print("routed \(routed.joined(separator: ", ")) → \(result["to"]?.stringValue ?? call.to)")
            }
        }
    }
}

/// `hookrpc sandbox unroute CODE…`.
struct SandboxUnrouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unroute", abstract: "Send OUT webhooks to their own URLs again.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The OUT webhooks' codes.") var codes: [String]

    func validate() throws {
        guard !codes.isEmpty else { throw ValidationError("give at least one webhook code") }
    }

    func run() throws {
        let result = try perform { try options.client().sandboxUnroute(codes: codes) }
        if options.json { return print(result.compactText) }
        let unrouted = Set(result["unrouted"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for code in codes {
            print(unrouted.contains(code) ? "unrouted \(code)" : "\(code) was not routed")
        }
    }
}

/// The words for a `sandbox.trigger` or `sandbox.replay` result: what the receiver answered.
enum SandboxExchange {
    /// "200 in 3.1 ms".
    static func outcome(_ result: JSONValue) -> String {
        let status = result["status_code"]?.integerValue.map(String.init) ?? "?"
        let milliseconds = result["duration_ms"]?.doubleValue.map { String(format: "%.1f", $0) } ?? "?"
        return "\(status) in \(milliseconds) ms"
    }

    /// For a status that is not 2xx, ": " and the start of the receiver's answer on one line
    /// (it usually says why); empty otherwise.
    static func refusal(_ result: JSONValue) -> String {
        guard let status = result["status_code"]?.integerValue, !(200..<300).contains(status),
              let preview = result["response_preview"]?.stringValue, !preview.isEmpty else { return "" }
        let line = preview.split(whereSeparator: \.isNewline).joined(separator: " ")
        return ": " + (line.count > 120 ? String(line.prefix(119)) + "…" : line)
    }
}

/// A capture as `sandbox.replay` needs it, read from the sandbox's `GET /api/captures/{id}`.
struct SandboxCapture {
    var method: String
    /// The captured path with its query, e.g. `/in/stripe?attempt=2`.
    var target: String
    var headers: [String: String]
    var bodyBase64: String
}

/// Reads captures from the sandbox's JSON API with one blocking GET each (hookrpc has no event
/// loop to share). Failures are printed on stderr and become the command's exit status.
struct SandboxCaptureSource {
    let baseURL: String
    let timeoutSeconds: Double

    /// - Throws: `ExitCode(1)` when the sandbox has no such capture or refuses the request,
    ///   `ExitCode(3)` when it cannot be reached or answers something that is not a capture.
    func capture(id: String) throws -> SandboxCapture {
        let url = "\(baseURL)/api/captures/\(id)"
        let response: HTTPResponse
        do throws(HTTPError) {
            response = try CurlEasyTransfer().perform(HTTPRequest(
                method: "GET", url: url, headers: [("Accept", "application/json")], timeoutSeconds: timeoutSeconds))
        } catch {
            writeToStandardError("hookrpc: cannot reach the sandbox at \(baseURL): \(error.description)\n")
            throw ExitCode(3)
        }
        let answer = try? JSONValue.parse(response.body)
        guard response.statusCode == 200 else {
            if response.statusCode == 404 {
                writeToStandardError("hookrpc: no capture \(id) in the sandbox at \(baseURL)\n")
            } else {
                let message = answer?["error"]?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
                writeToStandardError("hookrpc: the sandbox at \(baseURL) answered \(response.statusCode) for capture \(id): \(message)\n")
            }
            throw ExitCode(1)
        }
        guard let answer, let method = answer["method"]?.stringValue, let path = answer["path"]?.stringValue,
              let headerObject = answer["headers"]?.objectValue, let bodyBase64 = answer["body_base64"]?.stringValue else {
            writeToStandardError("hookrpc: the sandbox at \(baseURL) answered capture \(id) without method, path, headers and body_base64\n")
            throw ExitCode(3)
        }
        var headers: [String: String] = [:]
        for member in headerObject {
            if let value = member.value.stringValue { headers[member.key] = value }
        }
        var query = answer["query"]?.stringValue ?? ""
        if query.hasPrefix("?") { query.removeFirst() }
        return SandboxCapture(method: method, target: query.isEmpty ? path : "\(path)?\(query)", headers: headers, bodyBase64: bodyBase64)
    }
}
