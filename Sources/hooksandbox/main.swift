// The entry point: parses the options, then runs the sandbox until SIGTERM or SIGINT.
// (`AsyncParsableCommand.main()` spelled out: in top-level code the synchronous `main` and
// `run` overloads win over the asynchronous ones.)
import ArgumentParser

do {
    var command = try HookSandboxCommand.parseAsRoot()
    if let sandbox = command as? HookSandboxCommand {
        try await sandbox.serve()
    } else {
        // --help and --version parse as other commands, which print and exit.
        try command.run()
    }
} catch {
    HookSandboxCommand.exit(withError: error)
}
