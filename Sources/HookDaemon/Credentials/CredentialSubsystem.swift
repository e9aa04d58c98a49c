import HookCore
import HookHTTP
import HookInfisical
import HookRedis
import HookStore
import Logging

/// Everything behind `webhook.*` and `credential.*`, built from the configuration at start-up:
/// the registry, the sources, both cache tiers and the audit log.
final class CredentialSubsystem: Sendable {
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    let registry: WebhookRegistry
    let service: CredentialService
    let sources: [CredentialSourceKind: CredentialSourceReader]
    let audit: CredentialAudit?
    private let auditFile: JSONLinesFile?
    private let redisTier: RedisCredentialTier?
    /// OAuth2 token endpoints': URLs from webhook credentials, so screened by `network.allow`.
    private let tokenHTTP: HTTPClient
    /// Infisical's, from the operator's configuration (and its `ca_file`): not screened; nil without Infisical.
    private let infisicalHTTP: HTTPClient?

    init(configuration: DaemonConfiguration, directories: DaemonDirectories, environment: [String: String],
         health: HealthBoard, logger: Logger, observer: (any CredentialObserver)? = nil,
         tokenObserver: InfisicalClient.TokenObserver? = nil) throws(StartError) {
        let storePath = configuration.storePath ?? "\(directories.state)/hookd.db"
        let store: WebhookStore
        do throws(StoreError) {
            store = try WebhookStore(path: storePath)
        } catch {
            throw StartError(description: "cannot open the webhook registry \(storePath): \(error.description)")
        }
        health.report("store", .ok, detail: storePath)
        registry = WebhookRegistry(store: store)

        // Token endpoints use the system's CAs; only Infisical may be pinned to its own (ca_file).
        // Separate clients, because curl reuses connections within a client: one opened to an
        // operator's internal Infisical must never carry a call the network policy would refuse.
        tokenHTTP = HTTPClient(configuration: .init(maxResponseBytes: configuration.http.maxResponseBytes,
                                                    addressScreen: configuration.network.addressScreen))

        let policy = CredentialReferencePolicy(environmentAllowPatterns: configuration.credentialEnvironmentAllow,
                                               ownSecrets: configuration.ownSecrets)
        var sources: [CredentialSourceKind: CredentialSourceReader] = [
            .database: registry,
            .env: EnvironmentCredentialSource(environment: environment, policy: policy),
            .file: FileCredentialSource(directory: configuration.credentialFileDirectory, policy: policy),
        ]
        let infisical = configuration.infisical
        if let clientID = infisical.clientID, let clientSecret = infisical.clientSecret, let projectID = infisical.projectID {
            let http = HTTPClient(configuration: .init(caFile: infisical.caFile, maxResponseBytes: configuration.http.maxResponseBytes))
            infisicalHTTP = http
            sources[.infisical] = InfisicalClient(
                configuration: InfisicalConfiguration(
                    siteURL: infisical.siteURL, clientID: clientID, clientSecret: clientSecret, projectID: projectID,
                    environment: infisical.environment, secretPath: infisical.secretPath,
                    api: infisical.api == .v4 ? .v4 : .v3, timeoutSeconds: infisical.timeoutSeconds,
                    retryBudgetSeconds: infisical.retryBudgetSeconds),
                http: http, now: SystemClock.monotonicSeconds, tokenObserver: tokenObserver)
            health.report("infisical", .ok, detail: infisical.siteURL)
        } else {
            infisicalHTTP = nil
        }
        self.sources = sources

        var cacheConfiguration = CredentialCache.Configuration()
        cacheConfiguration.maxEntries = configuration.cache.maxEntries
        cacheConfiguration.ttlSeconds = Double(configuration.cache.ttlSeconds)
        cacheConfiguration.maxStaleSeconds = Double(configuration.cache.maxStaleSeconds)
        cacheConfiguration.negativeTTLSeconds = Double(configuration.cache.negativeTTLSeconds)
        let cache = CredentialCache(configuration: cacheConfiguration, now: SystemClock.monotonicSeconds)

        let redis = configuration.redis
        if redis.enabled {
            let key: [UInt8]
            if let configured = redis.encryptionKey {
                key = configured
            } else {
                let path = "\(directories.state)/redis-encryption.key"
                do throws(RedisKeyFile.Failure) {
                    let (found, created) = try RedisKeyFile.loadOrCreate(path: path)
                    key = found
                    if created {
                        logger.notice("""
                            redis: created the encryption key \(path); every hookd sharing this Redis must use the same key \
                            (copy the file, or set redis.encryption_key_file); values written under another key read as misses
                            """)
                    }
                } catch {
                    throw StartError(description: error.description)
                }
            }
            redisTier = RedisCredentialTier(
                endpoint: redis.endpoint,
                keyPrefix: redis.keyPrefix, encryptionKey: key, health: health,
                onRemoteInvalidation: { code, direction in cache.remove(code: code, direction: direction) })
        } else {
            redisTier = nil
        }
        service = CredentialService(
            cache: cache, directory: registry, sources: sources, shared: redisTier,
            tokenIssuer: OAuth2TokenClient(http: tokenHTTP), health: health, wallClock: SystemClock.wallSeconds, observer: observer)

        if configuration.audit.enabled {
            let path = configuration.audit.path ?? "\(directories.logs)/audit.log"
            do {
                let file = try JSONLinesFile(path: path, maximumUnwrittenBytes: configuration.audit.maxQueueBytes,
                                             onStatus: LogFileHealth.reporter(for: "audit_log", on: health))
                auditFile = file
                audit = CredentialAudit(file: file)
            } catch {
                throw StartError(description: "cannot open the audit log \(path): \(error)")
            }
        } else {
            auditFile = nil
            audit = nil
        }
    }

    /// Reopens the audit log (logrotate, SIGHUP).
    func reopenLogs() { auditFile?.reopen() }

    /// The parts that run on threads of their own, in the order they start; they stop in reverse.
    var services: [any StoppableService] {
        let parts: [(any StoppableService)?] = [auditFile, redisTier, tokenHTTP, infisicalHTTP]
        return parts.compactMap { $0 }
    }

    /// Stops every part (for callers that run no `ServiceGroup`, such as tests).
    func shutdown() async {
        for part in services.reversed() { await part.stop() }
    }
}
