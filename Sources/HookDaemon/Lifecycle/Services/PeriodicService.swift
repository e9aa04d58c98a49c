import ServiceLifecycle

/// Runs a small piece of work at a fixed interval until graceful shutdown: the alert rules'
/// once-a-second judgement, systemd's watchdog keep-alive.
struct PeriodicService: Service {
    let interval: Duration
    /// Whether the first run happens at once rather than after one interval.
    let runsAtStart: Bool
    let work: @Sendable () -> Void

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            if runsAtStart { work() }
            while true {
                try await Task.sleep(for: interval)
                work()
            }
        }
    }
}
