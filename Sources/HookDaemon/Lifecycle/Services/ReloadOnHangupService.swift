import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the configuration and reopens the logs, through the same path as `system.reload`.
struct ReloadOnHangupService: Service {
    let reloader: ConfigurationReloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            // A bad file is logged by the reloader and changes nothing; the daemon serves on.
            _ = try? await reloader.reload(trigger: "SIGHUP")
        }
    }
}
