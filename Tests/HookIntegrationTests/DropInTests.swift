import Foundation
import HookClient
import HookJSON
import HookTestSupport
import Testing

/// Issue 11: the application's own config.yaml block, verbatim, through `hookd --check-config`
/// and a real start (no Redis listens on localhost:6379 here: the tier reports itself degraded).
struct DropInConfigurationTests {
    static let applicationBlock = """
        redis:
          enabled: true
          host: localhost
          port: 6379
          db: 0
          password: ${REDIS_PASSWORD} # Optional
          ttl: 300 # 5 minutes
        webhooks:
          alerting:
            enabled: true
            failure_rate_threshold: 10.0 # %
            auth_failure_threshold: 5
            latency_threshold_seconds: 5.0
            window_minutes: 5
            channels: slack,mqtt,log
            alert_email: ops@example.com
            pagerduty_key: ${PAGERDUTY_INTEGRATION_KEY}
        structured_logging:
          enabled: true
          mask_sensitive: true
          mqtt_enabled: true

        """

    private static func environmentWithoutTheVariables() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REDIS_PASSWORD"] = nil
        environment["PAGERDUTY_INTEGRATION_KEY"] = nil
        return environment
    }

    @Test func checkConfigAcceptsItAndSaysWhatToLookAt() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let path = "\(directory)/config.yaml"
        try Self.applicationBlock.write(toFile: path, atomically: true, encoding: .utf8)
        let check = try ChildProcess(executable: TestEnvironment.hookdPath, arguments: ["--check-config", path],
                                     environment: Self.environmentWithoutTheVariables(), outputPath: "\(directory)/check.out")
        #expect(check.waitForExit(seconds: 10) == 0, "\(check.output)")
        let output = check.output
        #expect(output.contains("warning: \(path):6: redis.password: environment variable REDIS_PASSWORD is not set; using an empty value"))
        #expect(output.contains("environment variable PAGERDUTY_INTEGRATION_KEY is not set"))
        #expect(output.contains("slack (slack.webhook_url is not set)"), "a listed but unconfigured channel is named")
        #expect(output.contains("redis-encryption.key"))
        #expect(output.hasSuffix("\(path): configuration OK\n"), "\(output)")
    }

    @Test func hookdStartsOnItWithAKeyOfItsOwn() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let daemon = try DaemonProcess(configuration: Self.applicationBlock, environment: Self.environmentWithoutTheVariables(),
                                       directory: directory)
        let components = try daemon.client().health()["components"]
        #expect(components?["redis_encryption"]?["detail"]?.stringValue?.hasPrefix("key id ") == true)
        #expect(components?["alerting"]?["detail"]?.stringValue?.contains("slack (slack.webhook_url is not set)") == true)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/state/redis-encryption.key"))
        #expect(daemon.child.output.contains("REDIS_PASSWORD is not set"), "the warning is logged at start too")
    }
}
