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
    private let loader: ConfigurationLoader

    public init(configuration: DaemonConfiguration, loader: ConfigurationLoader, daemonUserID: UInt32) {
        startedAt = .now
        self.daemonUserID = daemonUserID
        self.loader = loader
        current = Mutex((configuration, AccessPolicy(daemonUserID: daemonUserID, rules: configuration.accessRules)))
    }

    public var configuration: DaemonConfiguration { current.withLock { $0.configuration } }
    public var accessPolicy: AccessPolicy { current.withLock { $0.policy } }
    public var connectionCount: Int { connections.count }

    /// Re-reads the configuration file and applies what can change while running: the ACL, and
    /// the limits for new connections. Nothing changes when the file is bad.
    /// - Returns: the new configuration.
    /// - Throws: `ConfigurationError` naming the file and key; the old configuration stays.
    @discardableResult
    public func reload() throws(ConfigurationError) -> DaemonConfiguration {
        let old = configuration
        guard let path = old.sourcePath else { return old }  // embedded defaults: nothing to re-read
        var fresh = try loader.load(path: path)
        // The socket and directories are fixed for the life of the process.
        fresh.socketPath = old.socketPath
        fresh.stateDirectory = old.stateDirectory
        fresh.logsDirectory = old.logsDirectory
        let policy = AccessPolicy(daemonUserID: daemonUserID, rules: fresh.accessRules)
        current.withLock { $0 = (fresh, policy) }
        return fresh
    }
}
