import HookCore
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Reads a YAML configuration file into `DaemonConfiguration`, checking every key it knows.
///
/// Unknown keys under `hookd:` are errors (a typo must not silently fall back to a default);
/// the sections later versions read (`redis`, `webhooks`, …) are accepted and listed in
/// `unusedSections` so the daemon can say it ignores them.
public struct ConfigurationLoader: Sendable {
    let environment: [String: String]
    private let daemonUserID: UInt32

    public init(environment: [String: String], daemonUserID: UInt32) {
        self.environment = environment
        self.daemonUserID = daemonUserID
    }

    /// Loads and checks the file at `path`.
    /// - Throws: `ConfigurationError` naming the file, the key and the problem.
    public func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        guard let text = Self.readFile(path) else {
            throw ConfigurationError(file: path, key: "", problem: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        var configuration = try parse(text, file: path)
        configuration.sourcePath = path
        return configuration
    }

    /// Parses configuration text; `file` names it in errors.
    public func parse(_ text: String, file: String) throws(ConfigurationError) -> DaemonConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, key: "", problem: "not valid YAML: \(error)")
        }
        var configuration = DaemonConfiguration()
        guard let root else { return configuration }  // an empty file means all defaults
        let warnings = ConfigurationWarnings()
        let document = ConfigurationNode(node: root, path: "", file: file, environment: environment, warnings: warnings)
        for (key, value) in try document.mapping() {
            switch key {
            case "hookd": try readDaemonSection(value, into: &configuration)
            case "cache": try readCache(value, into: &configuration.cache)
            case "redis": try readRedis(value, into: &configuration)
            case "infisical": try readInfisical(value, into: &configuration.infisical)
            case "audit": try readAudit(value, into: &configuration.audit)
            case "webhooks":
                for (key, member) in try value.mapping() {
                    guard key == "alerting" else { throw member.error("unknown key (expected alerting)") }
                    try readAlerting(member, into: &configuration)
                }
            case "structured_logging": try readStructuredLogging(value, into: &configuration)
            case "validation":
                for (key, member) in try value.mapping() {
                    switch key {
                    case "ca_file": configuration.validation.caFile = try member.string()
                    case "concurrency": configuration.validation.concurrency = try member.integer(in: 1...64)
                    default: throw member.error("unknown key (expected ca_file, concurrency)")
                    }
                }
            case "http":
                for (key, member) in try value.mapping() {
                    guard key == "max_response_bytes" else { throw member.error("unknown key (expected max_response_bytes)") }
                    configuration.http.maxResponseBytes = try member.integer(in: 1024...(64 << 20))
                }
            case "network":
                for (key, member) in try value.mapping() {
                    guard key == "allow" else { throw member.error("unknown key (expected allow)") }
                    configuration.network = NetworkPolicy(allowed: try member.stringList().map { text throws(ConfigurationError) in
                        do throws(NetworkBlockError) {
                            return try NetworkBlock(parsing: text)
                        } catch {
                            throw member.error("\(error.description); expected CIDR blocks such as 127.0.0.0/8 or fd00::/8")
                        }
                    })
                }
            case "slack": try readSlack(value, into: &configuration.slack)
            case "pagerduty": try readPagerDuty(value, into: &configuration.pagerDuty)
            case "smtp": try readSMTP(value, into: &configuration.smtp)
            case "mqtt": try readMQTT(value, into: &configuration.mqtt)
            case "store":
                for (key, member) in try value.mapping() {
                    guard key == "path" else { throw member.error("unknown key (expected path)") }
                    configuration.storePath = try member.string()
                }
            case "credentials":
                for (key, member) in try value.mapping() {
                    switch key {
                    case "file_dir", "directory": configuration.credentialFileDirectory = try member.string()
                    case "env_allow": configuration.credentialEnvironmentAllow = try member.stringList()
                    case "max_invalidations_per_second": configuration.credentialInvalidationsPerSecond = try member.integer(in: 1...10_000)
                    default: throw member.error("unknown key (expected file_dir, env_allow, max_invalidations_per_second)")
                    }
                }
            case "delivery": try readDelivery(value, into: &configuration.delivery)
            case "metrics":
                for (key, member) in try value.mapping() {
                    switch key {
                    case "listen":
                        let text = try member.string()
                        guard let address = MetricsSettings.parseListen(text) else {
                            throw member.error("must be \"host:port\" (127.0.0.1:9464, [::1]:9464), not '\(text)'")
                        }
                        configuration.metrics.listen = address
                    case "allow_remote": configuration.metrics.allowRemote = try member.bool()
                    case "enabled": configuration.metrics.enabled = try member.bool()
                    case "max_codes": configuration.metrics.maxCodes = try member.integer(in: 1...100_000)
                    default: throw member.error("unknown key (expected enabled, listen, allow_remote, max_codes)")
                    }
                }
                if let host = configuration.metrics.listen?.host, !configuration.metrics.allowRemote, !MetricsSettings.isLoopback(host) {
                    throw value.error("metrics.listen \(host) is not a loopback address: metrics name every webhook; set allow_remote: true to serve them beyond this host")
                }
            case "sandbox":
                for (key, member) in try value.mapping() {
                    guard key == "enabled" else { throw member.error("unknown key (expected enabled)") }
                    configuration.sandboxEnabled = try member.bool()
                }
            default:
                let known = ["hookd", "cache", "redis", "infisical", "audit", "store", "credentials", "webhooks", "structured_logging",
                             "validation", "http", "network", "delivery", "slack", "pagerduty", "smtp", "mqtt", "sandbox", "metrics"]
                throw value.error("unknown section (expected one of \(known.joined(separator: ", ")))")
            }
        }
        try refuseEmptyRequiredSettings(of: &configuration, warnings: warnings)
        if configuration.sandboxEnabled {
            // The sandbox listens on loopback: routed deliveries and triggers must reach it.
            for block in NetworkPolicy.loopbackBlocks where !configuration.network.allowed.contains(block) {
                configuration.network.allowed.append(block)
            }
        }
        configuration.warnings = warnings.messages
        return configuration
    }

    /// A listed alert channel whose required setting came out empty from `${VAR}` is an error
    /// naming that key (it would fail at the first alert); an empty optional setting is "not set".
    private func refuseEmptyRequiredSettings(
        of configuration: inout DaemonConfiguration, warnings: ConfigurationWarnings
    ) throws(ConfigurationError) {
        let required: [(channel: AlertChannelName, keys: [String])] = [
            (.pagerduty, ["pagerduty.routing_key", "pagerduty.routing_key_file", "webhooks.alerting.pagerduty_key"]),
            (.slack, ["slack.webhook_url", "slack.webhook_url_file"]),
            (.email, ["smtp.url", "smtp.from", "smtp.to", "webhooks.alerting.alert_email"]),
        ]
        for (channel, keys) in required where configuration.alerting.channels.contains(channel.rawValue) {
            if let key = keys.first(where: { warnings.emptyFromEnvironment[$0] != nil }), var error = warnings.emptyFromEnvironment[key] {
                error.problem += ", but the \(channel.rawValue) channel is listed in webhooks.alerting.channels and needs it"
                throw error
            }
        }
        if configuration.pagerDuty.routingKey?.isEmpty == true { configuration.pagerDuty.routingKey = nil }
        if configuration.slack.webhookURL?.isEmpty == true { configuration.slack.webhookURL = nil }
        if configuration.redis.password?.isEmpty == true { configuration.redis.password = nil }
        configuration.smtp.to.removeAll { $0.isEmpty }
    }

    private func readDaemonSection(_ section: ConfigurationNode, into configuration: inout DaemonConfiguration) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "socket": configuration.socketPath = try value.string()
            case "socket_mode":
                let text = try value.string()
                guard let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                    throw value.error("expected an octal mode such as \"0660\", found '\(text)'")
                }
                configuration.socketMode = mode
            case "socket_group": configuration.socketGroupID = try groupID(value)
            case "state_dir": configuration.stateDirectory = try value.string()
            case "event_loop_threads": configuration.eventLoopThreads = try value.integer(in: 1...256)
            case "logs_dir": configuration.logsDirectory = try value.string()
            case "log_level":
                let level = try value.string()
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard levels.contains(level) else { throw value.error("expected one of \(levels.joined(separator: ", ")), found '\(level)'") }
                configuration.logLevel = level
            case "acl": configuration.accessRules = try value.sequence().map { rule throws(ConfigurationError) in try accessRule(rule) }
            case "limits": try readLimits(value, into: &configuration.limits)
            default: throw value.error("unknown key")
            }
        }
    }

    private func readLimits(_ section: ConfigurationNode, into limits: inout DaemonConfiguration.Limits) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "max_line_bytes": limits.maxLineBytes = try value.integer(in: 64...(256 << 20))
            case "max_in_flight_per_connection": limits.maxInFlightPerConnection = try value.integer(in: 1...65_536)
            case "max_connections": limits.maxConnections = try value.integer(in: 1...1_000_000)
            case "max_connections_per_uid": limits.maxConnectionsPerUID = try value.integer(in: 1...1_000_000)
            case "max_batch": limits.maxBatch = try value.integer(in: 1...100_000)
            case "max_unread_reply_bytes": limits.maxUnreadReplyBytes = try value.integer(in: 65_536...(1 << 30))
            case "idle_timeout_seconds": limits.idleTimeoutSeconds = try value.integer(in: 0...86_400)
            case "shutdown_grace_seconds": limits.shutdownGraceSeconds = try value.integer(in: 0...3_600)
            default: throw value.error("unknown key")
            }
        }
    }

    private func accessRule(_ node: ConfigurationNode) throws(ConfigurationError) -> AccessPolicy.Rule {
        var rule = AccessPolicy.Rule(methods: [])
        for (key, value) in try node.mapping() {
            switch key {
            case "methods":
                rule.methods = try value.stringList().map { text throws(ConfigurationError) in
                    guard let pattern = MethodPattern(text) else {
                        throw value.error("'\(text)' is not a method pattern (use *, namespace.* or a method name)")
                    }
                    return pattern
                }
            case "users": rule.userIDs = Set(try value.sequence().map { user throws(ConfigurationError) in try userID(user) })
            case "groups": rule.groupIDs = Set(try value.sequence().map { group throws(ConfigurationError) in try groupID(group) })
            default: throw value.error("unknown key (expected methods, users, groups)")
            }
        }
        guard !rule.methods.isEmpty else { throw node.error("a rule needs 'methods'") }
        guard !rule.userIDs.isEmpty || !rule.groupIDs.isEmpty else { throw node.error("a rule needs 'users' or 'groups'") }
        return rule
    }

    /// A user given by name or number; names are resolved now so a typo fails at start-up.
    private func userID(_ node: ConfigurationNode) throws(ConfigurationError) -> UInt32 {
        let text = try node.string()
        if let number = UInt32(text) { return number }
        guard let entry = getpwnam(text) else { throw node.error("no such user '\(text)'") }
        return entry.pointee.pw_uid
    }

    private func groupID(_ node: ConfigurationNode) throws(ConfigurationError) -> UInt32 {
        let text = try node.string()
        if let number = UInt32(text) { return number }
        guard let entry = getgrnam(text) else { throw node.error("no such group '\(text)'") }
        return entry.pointee.gr_gid
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[..<count]) }
            if count < chunk.count { break }
        }
        return ferror(file) == 0 ? String(decoding: bytes, as: UTF8.self) : nil
    }
}

/// What a parse noticed but accepted, in file order (an unset `${VAR}` that became empty).
final class ConfigurationWarnings {
    private(set) var messages: [String] = []
    /// Keys whose value came out empty from `${VAR}` expansion, each with an error located at it.
    private(set) var emptyFromEnvironment: [String: ConfigurationError] = [:]

    func add(_ message: String) { messages.append(message) }

    func noteEmpty(_ path: String, _ error: ConfigurationError) { emptyFromEnvironment[path] = error }
}

/// A YAML node with the key path that reached it, for errors that say exactly where.
struct ConfigurationNode {
    let node: Node
    let path: String
    let file: String
    let environment: [String: String]
    let warnings: ConfigurationWarnings
    /// The line of the key that led here, which is where a reader looks for a wrong key.
    var keyLine: Int? = nil

    func error(_ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, key: path, line: keyLine ?? node.mark.map { $0.line }, problem: problem)
    }

    func child(_ key: String, _ keyNode: Node, _ node: Node) -> ConfigurationNode {
        ConfigurationNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file, environment: environment,
                          warnings: warnings, keyLine: keyNode.mark.map { $0.line })
    }

    /// The members of a mapping, in file order.
    func mapping() throws(ConfigurationError) -> [(String, ConfigurationNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys") }
        var members: [(String, ConfigurationNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else { throw error("keys must be plain strings") }
            members.append((key.string, child(key.string, keyNode, valueNode)))
        }
        return members
    }

    func sequence() throws(ConfigurationError) -> [ConfigurationNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, element in
            ConfigurationNode(node: element, path: "\(path)[\(index)]", file: file, environment: environment, warnings: warnings)
        }
    }

    /// A scalar with `${VAR}` expanded; an unset variable becomes "" and a warning.
    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a single value, found a \(node.isMapping ? "mapping" : "list")") }
        do {
            let (text, unset) = try EnvironmentExpansion.expand(scalar.string, environment: environment)
            for name in unset {
                warnings.add(error("environment variable \(name) is not set; using an empty value (${\(name):?message} makes it required)").description)
            }
            if text.isEmpty && scalar.string.contains("${") {
                let names = unset.isEmpty ? "" : " (\(unset.map { "$\($0)" }.joined(separator: ", ")) not set)"
                warnings.noteEmpty(path, error("is empty\(names)"))
            }
            return text
        } catch .required(let name, let message) {
            throw error("environment variable \(name) \(message)")
        } catch {
            throw self.error("unterminated ${ in value")
        }
    }

    /// `string()`, with an empty value meaning "not given" (an unset `${VAR}` for an optional setting).
    func optionalString() throws(ConfigurationError) -> String? {
        let text = try string()
        return text.isEmpty ? nil : text
    }

    func bool() throws(ConfigurationError) -> Bool {
        let text = try string()
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error("expected true or false, found '\(text)'")
        }
    }

    func number(in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let text = try string()
        guard let value = Double(text), range.contains(value) else {
            throw error("expected a number from \(range.lowerBound) to \(range.upperBound), found '\(text)'")
        }
        return value
    }

    func integer(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = try string()
        guard let value = Int(text), range.contains(value) else {
            throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(text)'")
        }
        return value
    }

    /// A list of strings, or one comma-separated string (the seed's style: "slack,email,log").
    func stringList() throws(ConfigurationError) -> [String] {
        if case .sequence = node { return try sequence().map { item throws(ConfigurationError) in try item.string() } }
        return try string().split(separator: ",").map { $0.trimmingCharacters(in: " ") }
    }
}

private extension Node {
    var isMapping: Bool { if case .mapping = self { true } else { false } }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
