import HookCore
import Foundation

extension ConfigurationLoader {
    func readCache(_ section: ConfigurationNode, into cache: inout CacheSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "max_entries": cache.maxEntries = try value.integer(in: 1...10_000_000)
            case "ttl_seconds": cache.ttlSeconds = try value.integer(in: 1...86_400)
            case "max_stale_seconds": cache.maxStaleSeconds = try value.integer(in: 0...604_800)
            case "negative_ttl_seconds": cache.negativeTTLSeconds = try value.integer(in: 0...3_600)
            case "invalidate_on_auth_failure": cache.invalidateOnAuthFailure = try value.bool()
            default: throw value.error("unknown key")
            }
        }
    }

    /// The seed's `redis.enabled/host/port/db/password/ttl`, plus `socket`, `key_prefix` and the
    /// encryption key.
    func readRedis(_ section: ConfigurationNode, into configuration: inout DaemonConfiguration) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "enabled": configuration.redis.enabled = try value.bool()
            case "host": configuration.redis.host = try value.string()
            case "port": configuration.redis.port = try value.integer(in: 1...65_535)
            case "socket": configuration.redis.socket = try value.string()
            case "db": configuration.redis.database = try value.integer(in: 0...1_000)
            case "password": configuration.redis.password = try value.optionalString()
            case "password_file": configuration.redis.password = try secretFile(value)
            case "ttl": configuration.cache.ttlSeconds = try value.integer(in: 1...86_400)
            case "key_prefix": configuration.redis.keyPrefix = try value.string()
            case "encryption_key": configuration.redis.encryptionKey = try encryptionKey(try value.string(), value)
            case "encryption_key_file": configuration.redis.encryptionKey = try encryptionKey(try secretFile(value), value)
            default: throw value.error("unknown key")
            }
        }
    }

    func readInfisical(_ section: ConfigurationNode, into settings: inout InfisicalSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "site_url":
                let url = try value.string()
                guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw value.error("must be an http(s) URL") }
                settings.siteURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            case "client_id": settings.clientID = try value.string()
            case "client_secret": settings.clientSecret = try value.string()
            case "client_secret_file": settings.clientSecret = try secretFile(value)
            case "project_id": settings.projectID = try value.string()
            case "environment": settings.environment = try value.string()
            case "secret_path": settings.secretPath = try value.string()
            case "api":
                let text = try value.string()
                guard let api = InfisicalSettings.API(rawValue: text) else { throw value.error("must be v4 or v3, not '\(text)'") }
                settings.api = api
            case "ca_file": settings.caFile = try value.string()
            case "timeout_seconds": settings.timeoutSeconds = Double(try value.integer(in: 1...60))
            case "retry_budget_seconds": settings.retryBudgetSeconds = Double(try value.integer(in: 0...30))
            case "secret_naming":
                let template = try value.string()
                do throws(WebhookValidationError) {
                    settings.secretNaming = try SecretNaming(template)
                } catch {
                    throw value.error(error.reason)
                }
            default: throw value.error("unknown key")
            }
        }
        if settings.clientID != nil {
            guard settings.clientSecret != nil else { throw section.error("client_id is set but neither client_secret nor client_secret_file") }
            guard settings.projectID != nil else { throw section.error("project_id is required with client_id") }
        }
    }

    func readAudit(_ section: ConfigurationNode, into settings: inout AuditSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "enabled": settings.enabled = try value.bool()
            case "path": settings.path = try value.string()
            case "max_queue_bytes": settings.maxQueueBytes = try value.integer(in: 65_536...(1 << 30))
            default: throw value.error("unknown key")
            }
        }
    }

    /// Reads a secret from a file: absolute, or relative to `$CREDENTIALS_DIRECTORY` (systemd's
    /// LoadCredential=). A trailing newline is not part of the secret.
    func secretFile(_ node: ConfigurationNode) throws(ConfigurationError) -> String {
        let name = try node.string()
        let path = name.hasPrefix("/") ? name : (environment["CREDENTIALS_DIRECTORY"].map { "\($0)/\(name)" } ?? name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw node.error("cannot read the secret file \(path)")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }  // "\r\n" is one Character
        guard !text.isEmpty else { throw node.error("the secret file \(path) is empty") }
        return text
    }

    private func encryptionKey(_ text: String, _ node: ConfigurationNode) throws(ConfigurationError) -> [UInt8] {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw node.error("must be 32 bytes in base64 (make one with `hookd keygen`)")
        }
        return Array(data)
    }
}
