/// The names of the methods hookd serves, shared by the daemon's method table and the clients.
public enum MethodName {
    public static let discover = "rpc.discover"
    public static let systemEcho = "system.echo"
    public static let systemVersion = "system.version"
    public static let systemHealth = "system.health"
    public static let systemReload = "system.reload"
    public static let webhookUpsert = "webhook.upsert"
    public static let webhookGet = "webhook.get"
    public static let webhookList = "webhook.list"
    public static let webhookDelete = "webhook.delete"
    public static let credentialGet = "credential.get"
    public static let credentialSource = "credential.source"
    public static let credentialInvalidate = "credential.invalidate"
    public static let credentialWarm = "credential.warm"
    public static let logRequest = "log.request"
    public static let logResponse = "log.response"
    public static let alertRecord = "alert.record"
    public static let alertMetrics = "alert.metrics"
    public static let alertList = "alert.list"
    public static let alertHistory = "alert.history"
    public static let alertSilence = "alert.silence"
    public static let alertUnsilence = "alert.unsilence"
    public static let alertConfig = "alert.config"
    public static let alertTest = "alert.test"
    public static let validateOne = "validate.one"
    public static let validateAll = "validate.all"
    public static let webhookDeliver = "webhook.deliver"
    public static let deliveryGet = "delivery.get"
    public static let deliveryList = "delivery.list"
    public static let deliveryCancel = "delivery.cancel"
    public static let deliveryStats = "delivery.stats"
    public static let deliveryReplay = "delivery.replay"
    public static let inboundVerify = "inbound.verify"
    public static let migratePlan = "migrate.plan"
    public static let migrateRun = "migrate.run"
    public static let migrateVerify = "migrate.verify"
    public static let migrateRollback = "migrate.rollback"
    public static let migrateStatus = "migrate.status"
    public static let sandboxTrigger = "sandbox.trigger"
    public static let sandboxReplay = "sandbox.replay"
    public static let sandboxRoute = "sandbox.route"
    public static let sandboxUnroute = "sandbox.unroute"
    public static let systemMetrics = "system.metrics"

    /// Calls whose request or answer is a secret (a credential value): clients send them only to
    /// a server running as root or as themselves (`SO_PEERCRED`), unless `HOOKD_TRUSTED_UID` says otherwise.
    public static let secretBearing: Set<String> = [credentialGet, webhookUpsert]

    /// Every method hookd serves; the OpenRPC document and the daemon's table must list exactly these.
    public static let all: [String] = [
        discover, systemEcho, systemVersion, systemHealth, systemReload,
        webhookUpsert, webhookGet, webhookList, webhookDelete,
        credentialGet, credentialSource, credentialInvalidate, credentialWarm,
        logRequest, logResponse,
        alertRecord, alertMetrics, alertList, alertHistory, alertSilence, alertUnsilence, alertConfig, alertTest,
        validateOne, validateAll,
        webhookDeliver, deliveryGet, deliveryList, deliveryCancel, deliveryStats, deliveryReplay,
        inboundVerify,
        migratePlan, migrateRun, migrateVerify, migrateRollback, migrateStatus,
        sandboxTrigger, sandboxReplay, sandboxRoute, sandboxUnroute,
        systemMetrics,
    ]
}

/// The protocol revision; bumped only for incompatible changes (see protocol/PROTOCOL.md).
public let protocolVersion = 1

/// hookd's release version.
public let hookdVersion = "0.1.0"
