import HookCore
import Synchronization

/// What the running daemon shares between connections: its configuration, ACL and counters.
///
/// Read on every call (the ACL), replaced on reload; a Mutex keeps both cheap and consistent.
public final class DaemonState: Sendable {
    public let startedAt: ContinuousClock.Instant
    public let daemonUserID: UInt32
    /// Each component's state, for `system.health`.
    public let health = HealthBoard()
    let connections = ConnectionRegistry()
    private let current: Mutex<(configuration: DaemonConfiguration, policy: AccessPolicy)>
    /// Bumped each time the ACL is replaced, so a connection re-reads it only then, not per call.
    private let policyVersion = Atomic<UInt64>(0)
    private let loader: ConfigurationLoader

    public init(configuration: DaemonConfiguration, loader: ConfigurationLoader, daemonUserID: UInt32) {
        startedAt = .now
        self.daemonUserID = daemonUserID
        self.loader = loader
        current = Mutex((configuration, AccessPolicy(daemonUserID: daemonUserID, rules: configuration.accessRules)))
    }

    public var configuration: DaemonConfiguration { current.withLock { $0.configuration } }
    public var accessPolicy: AccessPolicy { current.withLock { $0.policy } }
    /// Changes whenever `accessPolicy` does.
    public var accessPolicyVersion: UInt64 { policyVersion.load(ordering: .acquiring) }
    public var connectionCount: Int { connections.count }

    /// Re-reads the configuration file and applies what can change while running: the ACL, and
    /// the limits for new connections. Every other section keeps the value it started with (the
    /// report names those that changed in the file). Nothing changes when the file is bad.
    /// - Returns: what was applied and what needs a restart.
    /// - Throws: `ConfigurationError` naming the file and key; the old configuration stays.
    @discardableResult
    public func reload() throws(ConfigurationError) -> ReloadReport {
        let running = configuration
        guard let path = running.sourcePath else {  // embedded defaults: nothing to re-read
            return ReloadReport(running: running, fresh: running)
        }
        let fresh = try loader.load(path: path)
        var next = running
        next.accessRules = fresh.accessRules
        next.limits = fresh.limits
        var comparable = fresh
        // Fixed for the life of the process, and resolved at start-up: not a change in the file.
        comparable.socketPath = running.socketPath
        comparable.stateDirectory = running.stateDirectory
        comparable.logsDirectory = running.logsDirectory
        let report = ReloadReport(running: running, fresh: comparable)
        let policy = AccessPolicy(daemonUserID: daemonUserID, rules: next.accessRules)
        current.withLock { $0 = (next, policy) }
        policyVersion.add(1, ordering: .releasing)
        return report
    }
}
