import Foundation
@testable import HookDaemon
import HookCore
import Testing

struct ConfigurationLoaderTests {
    let loader = ConfigurationLoader(environment: ["SOCKET_DIR": "/srv/hookd", "EMPTY": ""], daemonUserID: 990)

    @Test func anEmptyFileMeansTheEmbeddedDefaults() throws {
        let configuration = try loader.parse("", file: "hookd.yaml")
        #expect(configuration == DaemonConfiguration())
        #expect(configuration.limits.maxLineBytes == 1 << 20)
        #expect(configuration.limits.maxConnections == 4096)
        #expect(configuration.socketMode == 0o660)
    }

    @Test func everyDaemonKeyIsRead() throws {
        let configuration = try loader.parse("""
            hookd:
              socket: ${SOCKET_DIR}/hookd.sock
              socket_mode: "0600"
              socket_group: "0"
              state_dir: /var/lib/elsewhere
              logs_dir: /var/log/elsewhere
              log_level: debug
              acl:
                - methods: ["credential.*", system.health]
                  users: [root, 1207]
                  groups: ["0"]
              limits:
                max_line_bytes: 4096
                max_in_flight_per_connection: 8
                max_connections: 10
                idle_timeout_seconds: 0
                shutdown_grace_seconds: 3
            """, file: "hookd.yaml")
        #expect(configuration.socketPath == "/srv/hookd/hookd.sock")
        #expect(configuration.socketMode == 0o600)
        #expect(configuration.socketGroupID == 0)
        #expect(configuration.stateDirectory == "/var/lib/elsewhere")
        #expect(configuration.logsDirectory == "/var/log/elsewhere")
        #expect(configuration.logLevel == "debug")
        #expect(configuration.accessRules.count == 1)
        #expect(configuration.accessRules[0].userIDs == [0, 1207])
        #expect(configuration.accessRules[0].groupIDs == [0])
        #expect(configuration.accessRules[0].methods.map(\.description) == ["credential.*", "system.health"])
        #expect(configuration.limits.maxLineBytes == 4096)
        #expect(configuration.limits.maxInFlightPerConnection == 8)
        #expect(configuration.limits.maxConnections == 10)
        #expect(configuration.limits.idleTimeoutSeconds == 0)
        #expect(configuration.limits.shutdownGraceSeconds == 3)
    }

    @Test func mqttTLSValidationAndSharingKeysAreRead() throws {
        let configuration = try loader.parse("""
            mqtt:
              tls: true
              ca_file: /etc/hookd/ca.pem
              cert_file: /etc/hookd/client.pem
              key_file: /etc/hookd/client.key
            validation:
              ca_file: /etc/hookd/private-ca.pem
              concurrency: 16
            webhooks:
              alerting:
                share_through_redis: false
            """, file: "c.yaml")
        #expect(configuration.mqtt.tls && configuration.mqtt.caFile == "/etc/hookd/ca.pem")
        #expect(configuration.mqtt.certificateFile == "/etc/hookd/client.pem" && configuration.mqtt.keyFile == "/etc/hookd/client.key")
        #expect(configuration.validation == { var settings = ValidationSettings(); settings.caFile = "/etc/hookd/private-ca.pem"; settings.concurrency = 16; return settings }())
        #expect(configuration.alerting.shareThroughRedis == false)
    }

    @Test(arguments: [
        ("hookd:\n  limts: {}\n", "c.yaml:2: hookd.limts: unknown key"),
        ("hookd:\n  limits:\n    max_connections: lots\n", "c.yaml:3: hookd.limits.max_connections: expected a whole number from 1 to 1000000, found 'lots'"),
        ("hookd:\n  limits:\n    max_line_bytes: 1\n", "c.yaml:3: hookd.limits.max_line_bytes: expected a whole number from 64 to 268435456, found '1'"),
        ("hookd:\n  socket_mode: rw\n", "c.yaml:2: hookd.socket_mode: expected an octal mode such as \"0660\", found 'rw'"),
        ("hookd:\n  log_level: loud\n", "c.yaml:2: hookd.log_level: expected one of trace, debug, info, notice, warning, error, critical, found 'loud'"),
        ("hookd:\n  socket: ${HOOKD_UNSET_VARIABLE:?must name the socket}/s\n", "c.yaml:2: hookd.socket: environment variable HOOKD_UNSET_VARIABLE must name the socket"),
        ("redis:\n  password: ${EMPTY:?}\n", "c.yaml:2: redis.password: environment variable EMPTY is required"),
        ("hookd:\n  acl:\n    - methods: [\"cred*\"]\n      users: [root]\n", "c.yaml:3: hookd.acl[0].methods: 'cred*' is not a method pattern (use *, namespace.* or a method name)"),
        ("hookd:\n  acl:\n    - methods: [\"*\"]\n      users: [no-such-user-here]\n", "c.yaml:4: hookd.acl[0].users[0]: no such user 'no-such-user-here'"),
        ("hookd:\n  acl:\n    - methods: [\"*\"]\n", "c.yaml:3: hookd.acl[0]: a rule needs 'users' or 'groups'"),
        ("hookd:\n  limits: [1, 2]\n", "c.yaml:2: hookd.limits: expected a mapping of keys"),
        ("reddis:\n  host: x\n", "c.yaml:1: reddis: unknown section"),
        ("mqtt:\n  tls: true\n  cert_file: /etc/hookd/client.pem\n", "c.yaml:1: mqtt: cert_file and key_file go together"),
        ("validation:\n  concurrency: 0\n", "c.yaml:2: validation.concurrency: expected a whole number from 1 to 64"),
        ("webhooks:\n  alerting:\n    share_through_redis: maybe\n", "c.yaml:3: webhooks.alerting.share_through_redis: expected true or false"),
        ("network:\n  allow: [\"10.0.0.0/33\"]\n", "c.yaml:2: network.allow: '10.0.0.0/33' needs a prefix length from 0 to 32"),
        ("network:\n  allow: [intranet]\n", "c.yaml:2: network.allow: 'intranet' is not an IPv4 or IPv6 address"),
        ("network:\n  deny: []\n", "c.yaml:2: network.deny: unknown key"),
    ])
    func badValuesAreRefusedNamingFileLineAndKey(text: String, expected: String) {
        #expect {
            _ = try loader.parse(text, file: "c.yaml")
        } throws: { error in
            let description = (error as? ConfigurationError)?.description ?? "\(error)"
            return description.hasPrefix(expected)
        }
    }

    @Test func networkAllowReadsCIDRBlocks() throws {
        let configuration = try loader.parse("network:\n  allow: [\"127.0.0.0/8\", \"10.20.1.7\", \"fd00::/8\"]\n", file: "c.yaml")
        #expect(configuration.network.allowed.map(\.description) == ["127.0.0.0/8", "10.20.1.7/32", "fd00::/8"])
        #expect(try loader.parse("", file: "c.yaml").network.allowed.isEmpty, "nothing non-public is reachable by default")
    }

    @Test func invalidYamlIsRefused() {
        #expect(throws: ConfigurationError.self) { try loader.parse("hookd: [unclosed\n", file: "c.yaml") }
    }

    @Test func aMissingFileIsReportedWithItsPath() {
        #expect {
            _ = try loader.load(path: "/nonexistent/hookd.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix("/nonexistent/hookd.yaml: cannot read the file") == true
        }
    }
}

struct EnvironmentExpansionTests {
    let environment = ["NAME": "hookd", "EMPTY": ""]

    @Test(arguments: [
        ("plain", "plain"),
        ("${NAME}.sock", "hookd.sock"),
        ("a-${NAME}-${NAME}", "a-hookd-hookd"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${NAME:-fallback}", "hookd"),
        ("${EMPTY-fallback}", ""),
        ("${MISSING-fallback}", "fallback"),
        ("${NAME:?needed}", "hookd"),
        ("${EMPTY?needed}", ""),
        ("${MISSING}", ""),
        ("x${MISSING}y", "xy"),
        ("$$NAME costs $$5", "$NAME costs $5"),
        ("trailing $", "trailing $"),
    ])
    func expands(text: String, expected: String) throws {
        #expect(try EnvironmentExpansion.expand(text, environment: environment).text == expected)
    }

    @Test func anUnsetVariableIsEmptyAndReportedAsDockerComposeDoes() throws {
        #expect(try EnvironmentExpansion.expand("${MISSING}/${NAME}/${EMPTY}", environment: environment).unset == ["MISSING"])
        #expect(try EnvironmentExpansion.expand("${MISSING:-x}", environment: environment).unset == [])
    }

    @Test func requiredVariablesAndBrokenReferencesAreErrors() {
        #expect(throws: EnvironmentExpansion.Failure.required(name: "MISSING", message: "is required")) {
            try EnvironmentExpansion.expand("${MISSING:?}", environment: environment)
        }
        #expect(throws: EnvironmentExpansion.Failure.required(name: "EMPTY", message: "set it")) {
            try EnvironmentExpansion.expand("${EMPTY:?set it}", environment: environment)
        }
        #expect(throws: EnvironmentExpansion.Failure.unterminated) { try EnvironmentExpansion.expand("${NAME", environment: environment) }
    }
}

struct DaemonDirectoriesTests {
    @Test func systemdVariablesWin() {
        let directories = DaemonDirectories.resolve(
            environment: ["STATE_DIRECTORY": "/var/lib/hookd:/var/lib/other", "LOGS_DIRECTORY": "/var/log/hookd", "RUNTIME_DIRECTORY": "/run/hookd"],
            userID: 990)
        #expect(directories == DaemonDirectories(state: "/var/lib/hookd", logs: "/var/log/hookd", runtime: "/run/hookd"))
    }

    @Test func rootUsesTheSystemDirectories() {
        #expect(DaemonDirectories.resolve(environment: [:], userID: 0) == DaemonDirectories(state: "/var/lib/hookd", logs: "/var/log/hookd", runtime: "/run/hookd"))
    }

    @Test func otherUsersUseXdgDirectories() {
        let directories = DaemonDirectories.resolve(environment: ["HOME": "/home/ann", "XDG_RUNTIME_DIR": "/run/user/1000"], userID: 1000)
        #expect(directories == DaemonDirectories(state: "/home/ann/.local/state/hookd", logs: "/home/ann/.local/state/hookd/log", runtime: "/run/user/1000"))
    }

    @Test func theStateDirectoryFlagOverridesAndCarriesTheLogs() {
        let directories = DaemonDirectories.resolve(environment: ["STATE_DIRECTORY": "/var/lib/hookd"], userID: 0, stateOverride: "/tmp/state")
        #expect(directories.state == "/tmp/state")
        #expect(directories.logs == "/tmp/state/log")
    }
}

/// Issue 11: the application's own config.yaml block loads exactly as written.
struct ApplicationConfigurationTests {
    /// The application's config.yaml block (issue 11), verbatim, as the drop-in tests share it.
    static var applicationBlock: String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/application-config.yaml").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? "missing fixture \(path)"
    }

    @Test func theApplicationsBlockLoadsVerbatimWithItsVariablesUnset() throws {
        let loader = ConfigurationLoader(environment: [:], daemonUserID: 990)
        let configuration = try loader.parse(Self.applicationBlock, file: "config.yaml")
        #expect(configuration.redis.enabled && configuration.redis.host == "localhost" && configuration.redis.port == 6379)
        #expect(configuration.redis.password == nil, "an unset optional password is no password, not an empty one")
        #expect(configuration.redis.encryptionKey == nil, "generated at first start")
        #expect(configuration.cache.ttlSeconds == 300)
        #expect(configuration.alerting.channels == ["slack", "mqtt", "log"])
        #expect(configuration.alerting.windowMinutes == 5 && configuration.alerting.failureRateThreshold == 10)
        #expect(configuration.smtp.to == ["ops@example.com"])
        #expect(configuration.mqtt.publishLogs)
        #expect(configuration.warnings.count == 2, "\(configuration.warnings)")
        #expect(configuration.warnings.allSatisfy { $0.contains("is not set; using an empty value") })
        #expect(configuration.warnings.contains { $0.hasPrefix("config.yaml:6: redis.password: environment variable REDIS_PASSWORD") })
        let notes = configuration.startWarnings.joined(separator: "\n")
        #expect(notes.contains("redis-encryption.key"))
        #expect(notes.contains("slack (slack.webhook_url is not set)") && notes.contains("mqtt (mqtt.enabled is false)"))
        #expect(notes.contains("structured_logging.mqtt_enabled is true but mqtt.enabled is false"))
    }

    @Test func withItsVariablesSetTheyAreUsed() throws {
        let loader = ConfigurationLoader(environment: ["REDIS_PASSWORD": "pw-1", "PAGERDUTY_INTEGRATION_KEY": "pd-key-1"], daemonUserID: 990)
        let configuration = try loader.parse(Self.applicationBlock, file: "config.yaml")
        #expect(configuration.redis.password == "pw-1")
        #expect(configuration.pagerDuty.routingKey == "pd-key-1")
        #expect(configuration.warnings.isEmpty)
    }
}

extension ApplicationConfigurationTests {
    @Test func aListedChannelWhoseKeyCameOutEmptyIsAnErrorNamingTheKey() {
        let loader = ConfigurationLoader(environment: [:], daemonUserID: 990)
        let text = Self.applicationBlock.replacingOccurrences(of: "channels: slack,mqtt,log", with: "channels: pagerduty,log")
        let error = #expect(throws: ConfigurationError.self) { try loader.parse(text, file: "config.yaml") }
        #expect(error?.description.hasPrefix(
            "config.yaml:17: webhooks.alerting.pagerduty_key: is empty ($PAGERDUTY_INTEGRATION_KEY not set), but the pagerduty channel is listed"
        ) == true, "\(error?.description ?? "")")
    }
}

struct ExampleConfigurationTests {
    @Test func theExampleConfigurationInTheRepositoryIsValid() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let loader = ConfigurationLoader(environment: [:], daemonUserID: 0)
        let configuration = try loader.load(path: "/\(root)/config/hookd.example.yaml")
        #expect(configuration.limits == DaemonConfiguration.Limits())
        #expect(configuration.socketMode == 0o660)
    }
}
