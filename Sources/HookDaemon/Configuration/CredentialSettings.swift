import HookCore
import HookRedis
/// `cache.*` (and the seed's `redis.ttl`): the in-process tier and its policies.
public struct CacheSettings: Sendable, Equatable {
    public var maxEntries = 10_000
    /// `redis.ttl` in the seed's config: how long a credential is served without asking its source.
    public var ttlSeconds = 300
    public var maxStaleSeconds = 3600
    public var negativeTTLSeconds = 30
    /// An `alert.record` with status 401/403 drops that webhook's cached credential.
    public var invalidateOnAuthFailure = true

    public init() {}
}

/// `redis.*`: the shared tier. Off unless `redis.enabled`.
public struct RedisSettings: Sendable, Equatable {
    public var enabled = false
    public var host = "localhost"
    public var port = 6379
    /// A Unix socket path; wins over host and port.
    public var socket: String?
    public var database = 0
    public var password: String?
    public var keyPrefix = "hookd:"
    /// AES-256 key (32 bytes), from `encryption_key` or `encryption_key_file` (base64).
    public var encryptionKey: [UInt8]?

    public init() {}

    /// Where the server is: the socket when set, else host and port.
    var endpoint: RedisEndpoint {
        RedisEndpoint(address: socket.map { .unixSocket($0) } ?? .tcp(host: host, port: port), database: database, password: password)
    }
}

/// `infisical.*`: the secrets manager, through a Universal Auth machine identity.
public struct InfisicalSettings: Sendable, Equatable {
    public enum API: String, Sendable, CaseIterable {
        case v4, v3
    }

    public var siteURL = "https://app.infisical.com"
    public var clientID: String?
    public var clientSecret: String?
    public var projectID: String?
    public var environment = "prod"
    public var secretPath = "/"
    public var api = API.v4
    public var caFile: String?
    /// Per request, connect included.
    public var timeoutSeconds = 5.0
    /// All tries of one read together, retries of 429/5xx included.
    public var retryBudgetSeconds = 3.0
    /// The name the migration tool gives a webhook's secret (`secret_naming`).
    public var secretNaming = SecretNaming.defaultNaming

    public init() {}

    /// Whether an identity is configured at all (webhooks with source infisical need one).
    public var isConfigured: Bool { clientID != nil }
}

/// `structured_logging.*`: the webhook request/response log (JSON Lines) and its masking.
public struct StructuredLoggingSettings: Sendable, Equatable {
    public var enabled = true
    /// Default: `<logs_dir>/webhooks.jsonl` (JSON Lines, so the application's jq recipes run on it).
    public var file: String?
    public var maskSensitive = true
    public var extraMaskedHeaders: [String] = []
    public var extraMaskedKeys: [String] = []
    /// Bytes of lines held while the disk refuses them; past it the oldest are dropped and counted.
    public var maxQueueBytes = 8 << 20

    public init() {}
}

/// `audit.*`: one JSON line per `credential.get`, never with the secret.
public struct AuditSettings: Sendable, Equatable {
    public var enabled = true
    /// Default: `<logs_dir>/audit.log`.
    public var path: String?
    /// Bytes of lines held while the disk refuses them; past it the oldest are dropped and counted.
    public var maxQueueBytes = 8 << 20

    public init() {}
}
