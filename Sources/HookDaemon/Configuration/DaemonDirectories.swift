/// Where hookd keeps state, logs and its runtime files, by systemd's convention.
///
/// `$STATE_DIRECTORY`, `$LOGS_DIRECTORY` and `$RUNTIME_DIRECTORY` (set by systemd from
/// `StateDirectory=` etc.) win; otherwise root uses /var/lib/hookd, /var/log/hookd and /run/hookd,
/// and other users the XDG directories. `--state-dir` and the config file override.
public struct DaemonDirectories: Sendable, Equatable {
    public var state: String
    public var logs: String
    public var runtime: String

    public init(state: String, logs: String, runtime: String) {
        self.state = state
        self.logs = logs
        self.runtime = runtime
    }

    /// Resolves the directories.
    /// - Parameters:
    ///   - stateOverride: `--state-dir` (or `hookd.state_dir`); logs default beneath it when it is set.
    public static func resolve(
        environment: [String: String], userID: UInt32, stateOverride: String? = nil, logsOverride: String? = nil
    ) -> DaemonDirectories {
        func first(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value.split(separator: ":", maxSplits: 1).first.map(String.init)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/hookd-\(userID)"
        let xdgState = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.local/state"
        let isRoot = userID == 0
        let state = stateOverride ?? first("STATE_DIRECTORY") ?? (isRoot ? "/var/lib/hookd" : "\(xdgState)/hookd")
        let logs = logsOverride ?? first("LOGS_DIRECTORY")
            ?? (stateOverride.map { "\($0)/log" } ?? (isRoot ? "/var/log/hookd" : "\(xdgState)/hookd/log"))
        let runtime = first("RUNTIME_DIRECTORY")
            ?? (isRoot ? "/run/hookd" : (environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/hookd-\(userID)"))
        return DaemonDirectories(state: state, logs: logs, runtime: runtime)
    }
}
