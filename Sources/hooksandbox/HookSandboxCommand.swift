import ArgumentParser
import HookSandbox
import HookStore
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `hooksandbox`: an offline webhook playground. Captures whatever is sent to `/in/<name>`,
/// answers by script, and shows it all on an inbox page and a JSON API.
struct HookSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooksandbox",
        abstract: "Capture webhooks locally and answer them by script (statuses, latency, faults).")

    @Option(help: "host:port to listen on; loopback only unless --allow-remote.")
    var listen = "127.0.0.1:8787"

    @Flag(help: "Allow a --listen address other machines can reach (the API returns captured headers raw).")
    var allowRemote = false

    @Option(help: "Directory for the capture database (default: $XDG_STATE_HOME/hooksandbox or ~/.local/state/hooksandbox).")
    var data: String?

    @Option(help: "The most captures kept; the oldest are dropped first beyond it.")
    var maxCaptures = 10_000

    @Option(help: "A YAML or JSON file mapping endpoint names to scripts, loaded at start.")
    var scripts: String?

    @Option(help: "hookd's socket, for signature verdicts (inbound.verify) on endpoints whose script has a code.")
    var hookdSocket: String?

    func validate() throws {
        let address: ListenAddress
        do {
            address = try ListenAddress(listen)
        } catch {
            throw ValidationError("--listen: \(error.description)")
        }
        guard address.isLoopback || allowRemote else {
            throw ValidationError(
                "--listen \(listen) is reachable from other machines; the sandbox listens on loopback only (127.0.0.1, ::1) unless --allow-remote is given")
        }
        guard maxCaptures >= 1 else { throw ValidationError("--max-captures must be at least 1") }
    }

    func run() async throws {
        try await serve()
    }

    /// Opens the store, loads the scripts and serves until SIGTERM or SIGINT.
    func serve() async throws {
        var logger = Logger(label: "hooksandbox")
        logger.logLevel = .info
        let address = try ListenAddress(listen)
        let directory = data ?? Self.defaultDataDirectory()
        let store: CaptureStore
        do {
            store = try CaptureStore(path: directory + "/captures.db", maxCaptures: maxCaptures)
        } catch {
            throw ValidationError("cannot open the capture store: \(error.description)")
        }
        var initial: [(endpoint: String, script: SandboxScript)] = []
        if let scripts {
            do {
                initial = try SandboxScriptFile.load(path: scripts)
            } catch {
                throw ValidationError("--scripts \(error.description)")
            }
        }
        let verifier = hookdSocket.map { HookdSignatureVerifier(socketPath: $0) }
        let sandbox = Sandbox(store: store, scripts: initial, verifier: verifier)
        logger.info("hooksandbox listening", metadata: ["address": "\(address)", "store": "\(store.path)"])
        try await sandbox.makeApplication(host: address.host, port: address.port, logger: logger).runService()
    }

    /// `$XDG_STATE_HOME/hooksandbox`, else `~/.local/state/hooksandbox`.
    static func defaultDataDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/hooksandbox" }
        let home = environment["HOME"] ?? "."
        return home + "/.local/state/hooksandbox"
    }
}
