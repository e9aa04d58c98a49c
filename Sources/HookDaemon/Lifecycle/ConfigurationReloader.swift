import Logging

/// The one reload path, for SIGHUP and `system.reload` alike: tells systemd, reopens the log
/// files (logrotate), re-reads the configuration and applies what can change while running.
final class ConfigurationReloader: Sendable {
    private let state: DaemonState
    private let reporter: LifecycleReporter
    private let reopenLogs: @Sendable () -> Void
    private let logger: Logger
    /// Reading the file is disk I/O: never on the cooperative pool or an event loop.
    private let disk = BlockingQueue(label: "hookd.reload")

    init(state: DaemonState, reporter: LifecycleReporter, reopenLogs: @escaping @Sendable () -> Void, logger: Logger) {
        self.state = state
        self.reporter = reporter
        self.reopenLogs = reopenLogs
        self.logger = logger
    }

    /// Reloads; a bad file changes nothing and says why.
    /// - Parameter trigger: what asked (`SIGHUP`, `system.reload`), for the log.
    func reload(trigger: String) async throws(ConfigurationError) -> ReloadReport {
        reporter.reloading()
        defer { reporter.reloaded() }
        let outcome = await disk.run { [state, reopenLogs] () -> Result<ReloadReport, ConfigurationError> in
            reopenLogs()
            return Result { () throws(ConfigurationError) in try state.reload() }
        }
        switch outcome {
        case .success(let report):
            logger.info("configuration reloaded", metadata: [
                "trigger": "\(trigger)", "config": "\(report.sourcePath ?? "-")",
                "applied": "\(report.applied.joined(separator: ","))", "restart_required": "\(report.restartRequired.joined(separator: ","))",
            ])
            return report
        case .failure(let error):
            logger.error("configuration not reloaded", metadata: ["trigger": "\(trigger)", "error": "\(error.description)"])
            throw error
        }
    }
}
