import Foundation
import HookCore

/// Everything hookd reads from its configuration file, with the embedded defaults.
///
/// With no file at all hookd runs on these defaults; `ConfigurationLoader` overlays a YAML file.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Limits that protect the daemon from one bad or busy client. Each is answered with a clear
    /// error or a quiet close, never a crash.
    public struct Limits: Sendable, Equatable {
        /// Longest request line, in bytes; a longer one gets `too_large` and the connection closes.
        public var maxLineBytes = 1 << 20
        /// Requests one connection may have unanswered; past it hookd stops reading that connection.
        public var maxInFlightPerConnection = 64
        /// Connections at once; one more gets `overloaded` and is closed (systemd's varlink allows 4096).
        public var maxConnections = 4096
        /// Connections at once from one uid, so one user cannot take every slot; refused alike.
        public var maxConnectionsPerUID = 1024
        /// Calls in one batch; a larger batch is one `invalid_request` (`reason: batch_too_large`).
        public var maxBatch = 1000
        /// Replies written but not yet taken by a client, in bytes, past which hookd stops reading
        /// from that client until it reads (NIO's write-buffer high-water mark; the low mark is half).
        public var maxUnreadReplyBytes = 1 << 20
        /// A connection with nothing in flight and no traffic for this long is closed; 0 disables.
        public var idleTimeoutSeconds = 300
        /// On SIGTERM, how long in-flight requests may take before connections are closed anyway.
        public var shutdownGraceSeconds = 10

        public init() {}
    }

    /// The file this was read from, or nil for the embedded defaults.
    public var sourcePath: String?
    /// What loading noticed but accepted (an unset `${VAR}` taken as empty), for the log and `--check-config`.
    public var warnings: [String] = []
    /// `hookd.socket`: overridden by `--socket` and `$HOOKD_SOCKET`.
    public var socketPath: String?
    /// `hookd.socket_mode`: permissions of the socket file (default 0660).
    public var socketMode: UInt32 = 0o660
    /// `hookd.socket_group`: the group that owns the socket file, as a gid.
    public var socketGroupID: UInt32?
    /// `hookd.state_dir`, `hookd.logs_dir`: override the systemd/XDG convention.
    public var stateDirectory: String?
    public var logsDirectory: String?
    /// `hookd.acl`: grants beyond root and the daemon's own user.
    public var accessRules: [AccessPolicy.Rule] = []
    /// `hookd.limits.*`.
    public var limits = Limits()
    /// `hookd.event_loop_threads`: threads serving connections (default: one per core).
    public var eventLoopThreads: Int?
    /// `hookd.log_level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"
    /// `cache.*`, `redis.*`, `infisical.*`, `audit.*`: credentials and their tiers.
    public var cache = CacheSettings()
    public var redis = RedisSettings()
    public var infisical = InfisicalSettings()
    public var audit = AuditSettings()
    /// `webhooks.alerting.*` and `structured_logging.*`.
    public var alerting = AlertingSettings()
    public var structuredLogging = StructuredLoggingSettings()
    /// `slack.*`, `pagerduty.*`, `smtp.*`, `mqtt.*`: where alerts and events go.
    public var slack = SlackSettings()
    public var pagerDuty = PagerDutySettings()
    public var smtp = SMTPSettings()
    public var mqtt = MQTTSettings()
    /// `validation.*`: credential checks before a deployment.
    public var validation = ValidationSettings()
    /// `http.*`: limits every outbound HTTP call shares (Infisical, token endpoints, validation, alert channels).
    public var http = HTTPSettings()
    /// `delivery.*`: the queue, retries and circuit breaker of `webhook.deliver`.
    public var delivery = DeliverySettings()
    /// `network.allow`: the non-public addresses calls carrying a webhook credential may reach.
    public var network = NetworkPolicy()
    /// `metrics.*`: the Prometheus listener and the bound on `code` labels.
    public var metrics = MetricsSettings()
    /// `sandbox.enabled`: whether `sandbox.*` (trigger, replay, route) may sign and send on
    /// request; off by default, so a production hookd never does. On, loopback joins `network.allow`.
    public var sandboxEnabled = false
    /// `store.path`: the SQLite registry (default `<state_dir>/hookd.db`).
    public var storePath: String?
    /// `credentials.file_dir` (formerly `credentials.directory`): the only directory `file`
    /// credentials are read from; never `$CREDENTIALS_DIRECTORY`, which holds hookd's own secrets.
    public var credentialFileDirectory: String?
    /// `credentials.env_allow`: patterns naming variables webhooks may read besides `HOOKD_CRED_*`.
    public var credentialEnvironmentAllow: [String] = []
    /// `credentials.max_invalidations_per_second`: invalidations that 401/403 reports may cause, in all.
    public var credentialInvalidationsPerSecond = 20

    public init() {}
}

/// `http.*`: what hookd accepts from any HTTP server it calls.
public struct HTTPSettings: Sendable, Equatable {
    /// The largest response body read (1 KiB to 64 MiB, default 1 MiB); a larger one aborts the transfer.
    public var maxResponseBytes = 1 << 20

    public init() {}
}

/// `validation.*`: how `validate.one` and `validate.all` reach webhook endpoints.
public struct ValidationSettings: Sendable, Equatable {
    /// PEM CA bundle to trust for endpoints with a private CA (default: the system store).
    public var caFile: String?
    /// Checks `validate.all` runs at once when the call does not say (1 to 64).
    public var concurrency = 8

    public init() {}
}

extension DaemonConfiguration {
    /// hookd's own secrets, by value: no webhook credential may read one of them.
    var ownSecrets: [String] {
        [infisical.clientSecret, redis.password, redis.encryptionKey.map { Data($0).base64EncodedString() },
         slack.webhookURL, pagerDuty.routingKey, smtp.password, mqtt.password].compactMap { $0 }
    }
}
