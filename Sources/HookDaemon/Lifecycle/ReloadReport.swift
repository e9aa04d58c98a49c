import HookJSON

/// What a reload changed: the sections now in force, and those that changed in the file but take
/// effect only after a restart (hookd never half-applies a section it cannot swap while running).
public struct ReloadReport: Sendable, Equatable {
    /// The configuration file that was read, or nil for the embedded defaults.
    public var sourcePath: String?
    public var applied: [String]
    public var restartRequired: [String]

    /// Sections applied while running: the ACL and the limits (for connections opened from now on).
    static let liveSections: [(name: String, differs: @Sendable (DaemonConfiguration, DaemonConfiguration) -> Bool)] = [
        ("hookd.acl", { $0.accessRules != $1.accessRules }),
        ("hookd.limits", { $0.limits != $1.limits }),
    ]

    /// Sections read once at start-up.
    static let restartSections: [(name: String, differs: @Sendable (DaemonConfiguration, DaemonConfiguration) -> Bool)] = [
        ("hookd.socket", { ($0.socketPath, $0.socketMode, $0.socketGroupID) != ($1.socketPath, $1.socketMode, $1.socketGroupID) }),
        ("hookd.event_loop_threads", { $0.eventLoopThreads != $1.eventLoopThreads }),
        ("hookd.log_level", { $0.logLevel != $1.logLevel }),
        ("cache", { $0.cache != $1.cache }),
        ("redis", { $0.redis != $1.redis }),
        ("infisical", { $0.infisical != $1.infisical }),
        ("audit", { $0.audit != $1.audit }),
        ("webhooks.alerting", { $0.alerting != $1.alerting }),
        ("structured_logging", { $0.structuredLogging != $1.structuredLogging }),
        ("slack", { $0.slack != $1.slack }),
        ("pagerduty", { $0.pagerDuty != $1.pagerDuty }),
        ("smtp", { $0.smtp != $1.smtp }),
        ("mqtt", { $0.mqtt != $1.mqtt }),
        ("validation", { $0.validation != $1.validation }),
        ("http", { $0.http != $1.http }),
        // Restart only: connections opened under the old policy may otherwise be reused.
        ("network", { $0.network != $1.network }),
        ("store", { $0.storePath != $1.storePath }),
        ("sandbox", { $0.sandboxEnabled != $1.sandboxEnabled }),
        ("metrics", { $0.metrics != $1.metrics }),
        ("credentials", { $0.credentialFileDirectory != $1.credentialFileDirectory || $0.credentialEnvironmentAllow != $1.credentialEnvironmentAllow
            || $0.credentialInvalidationsPerSecond != $1.credentialInvalidationsPerSecond }),
    ]

    /// Compares the configuration in force with a freshly read one.
    init(running: DaemonConfiguration, fresh: DaemonConfiguration) {
        sourcePath = fresh.sourcePath
        applied = Self.liveSections.filter { $0.differs(running, fresh) }.map(\.name)
        restartRequired = Self.restartSections.filter { $0.differs(running, fresh) }.map(\.name)
    }

    /// `system.reload`'s result.
    var json: JSONValue {
        [
            "reloaded": true, "config": sourcePath.map(JSONValue.string) ?? .null,
            "applied": .array(applied.map(JSONValue.string)),
            "restart_required": .array(restartRequired.map(JSONValue.string)),
        ]
    }
}
