import ArgumentParser
import Foundation
import HookDaemon
import HookRPC
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// hookd: the webhook operations daemon. Parses flags and hands over to HookDaemon.
struct HookdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookd",
        abstract: "Local webhook operations daemon: JSON-RPC 2.0 over a Unix socket.",
        discussion: "With no flags hookd runs on its embedded defaults. SIGHUP reloads the configuration; SIGTERM stops it gracefully.",
        version: hookdVersion,
        subcommands: [Serve.self, Keygen.self],
        defaultSubcommand: Serve.self)
}

/// Prints a fresh 32-byte key, base64, for `redis.encryption_key_file`.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new AES-256 key (base64) for redis.encryption_key_file.",
        discussion: "Example: umask 077; hookd keygen > /etc/hookd/credentials/redis-encryption-key")

    func run() throws {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): suitable for keys
        print(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString())
    }
}

/// Runs the daemon (the default when no subcommand is named).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the daemon (the default).")

    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Socket path; overrides $HOOKD_SOCKET, systemd's socket and the config.", valueName: "path"))
    var socket: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("State directory; overrides $STATE_DIRECTORY and the config.", valueName: "dir"))
    var stateDirectory: String?

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Check a configuration file, report the first problem, and exit.", valueName: "file"))
    var checkConfig: String?

    func run() async throws {
        if let checkConfig {
            let check = Daemon.checkConfiguration(path: checkConfig)
            if let problem = check.problem {
                printError(problem.description)
                throw ExitCode(Daemon.configurationExitCode)
            }
            for warning in check.warnings { print("warning: \(warning)") }
            print("\(checkConfig): configuration OK")
            return
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let status = await Daemon.run(
            DaemonOptions(configPath: config, socketPath: socket, stateDirectory: stateDirectory),
            logger: Logger(label: "hookd"))
        if status != 0 { throw ExitCode(status) }
    }

    private func printError(_ message: String) {
        var standardError = StandardError()
        print(message, to: &standardError)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
    }
}
