import Logging

/// Tells systemd (`sd_notify`) and the log where the daemon is in its life, from one place:
/// READY when the socket serves, RELOADING around a reload, STOPPING when shutdown begins, and
/// the watchdog's keep-alives.
public final class LifecycleReporter: Sendable {
    private let notifier: SystemdNotifier
    private let address: ListenAddress
    private let logger: Logger

    public init(notifier: SystemdNotifier, address: ListenAddress, logger: Logger) {
        self.notifier = notifier
        self.address = address
        self.logger = logger
    }

    /// How often systemd wants a keep-alive (half its `WatchdogSec=`), or nil when it wants none.
    var watchdogInterval: Duration? {
        notifier.watchdogIntervalMicroseconds.map { .microseconds(Int64(clamping: $0)) }
    }

    func serving() { notifier.ready(status: "serving on \(address)") }

    func reloading() { notifier.reloading() }

    func reloaded() { notifier.ready(status: "serving on \(address)") }

    func stopping() {
        logger.info("stopping: finishing in-flight calls")
        notifier.stopping()
    }

    func watchdog() { notifier.watchdog() }
}
