import ArgumentParser
import HookClient
import HookJSON
import HookRPC

#if canImport(Glibc)
import Glibc
#endif

/// hookrpc: talk to hookd from a shell. Thin: every command is one or two HookClient calls.
struct HookRPCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookrpc",
        abstract: "Call hookd, the local webhook operations daemon.",
        discussion: """
            Exit status: 0 on success, 1 when hookd answers with an error (its message on stderr) or `verify` finds a request invalid, \
            3 when hookd cannot be reached.
            """,
        version: hookdVersion,
        subcommands: [Call.self, Methods.self, Health.self, CredentialCommand.self, WebhookCommand.self, MetricsCommand.self,
                      TestAlertCommand.self, ConfigCommand.self, AlertsCommand.self, SilenceCommand.self, LogsCommand.self,
                      ValidateCommand.self, ValidateAllCommand.self, CheckSourceCommand.self, DeliverCommand.self, DeliveriesCommand.self,
                      DeliveryCommand.self, CancelCommand.self, ReplayCommand.self, DeliveryStatsCommand.self, VerifyCommand.self, MigrateCommand.self,
                      SandboxCommand.self])
}

/// The webhook a subcommand is about: `CODE [--direction OUT|IN]`.
struct WebhookKeyArguments: ParsableArguments {
    @Argument(help: "The webhook code.") var code: String
    @Option(help: "OUT or IN.") var direction = "OUT"
}

/// Options every subcommand takes.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("hookd's socket (default: $HOOKD_SOCKET, then the standard paths).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a reply.", valueName: "seconds"))
    var timeout: Double = 30

    @Flag(name: .long, help: "Print the result as compact JSON instead of for people.")
    var json = false

    func client() -> HookClient { HookClient(socketPath: socket, timeoutSeconds: timeout) }
}

HookRPCCommand.main()
