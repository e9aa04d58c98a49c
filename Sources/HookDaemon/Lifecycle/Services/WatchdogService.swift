import ServiceLifecycle

/// Sends systemd's watchdog keep-alive at half its `WatchdogSec=` until shutdown.
struct WatchdogService: Service {
    let reporter: LifecycleReporter
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                reporter.watchdog()
                try await Task.sleep(for: interval)
            }
        }
    }
}
