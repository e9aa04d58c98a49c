import Foundation
import HookClient
import HookJSON
import HookTestSupport
import Testing

/// Issue 11: the application's own config.yaml block, verbatim, through `hookd --check-config`
/// and a real start (no Redis listens on localhost:6379 here: the tier reports itself degraded).
struct DropInConfigurationTests {
    /// The application's block, verbatim (Tests/Fixtures/application-config.yaml).
    static let applicationPath = PortFileFixture.fixtures + "/application-config.yaml"

    private static func environmentWithoutTheVariables() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REDIS_PASSWORD"] = nil
        environment["PAGERDUTY_INTEGRATION_KEY"] = nil
        return environment
    }

    @Test func checkConfigAcceptsItAndSaysWhatToLookAt() throws {
        let check = try TestEnvironment.checkConfiguration(try String(contentsOfFile: Self.applicationPath, encoding: .utf8),
                                                           environment: Self.environmentWithoutTheVariables())
        let path = check.path
        #expect(check.status == 0, "\(check.output)")
        let output = check.output
        #expect(output.contains("warning: \(path):6: redis.password: environment variable REDIS_PASSWORD is not set; using an empty value"))
        #expect(output.contains("environment variable PAGERDUTY_INTEGRATION_KEY is not set"))
        #expect(output.contains("slack (slack.webhook_url is not set)"), "a listed but unconfigured channel is named")
        #expect(output.contains("redis-encryption.key"))
        #expect(output.hasSuffix("\(path): configuration OK\n"), "\(output)")
    }

    @Test func hookdStartsOnItWithAKeyOfItsOwn() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let daemon = try DaemonProcess(configuration: try String(contentsOfFile: Self.applicationPath, encoding: .utf8),
                                       environment: Self.environmentWithoutTheVariables(),
                                       directory: directory)
        let components = try daemon.client().health()["components"]
        #expect(components?["redis_encryption"]?["detail"]?.stringValue?.hasPrefix("key id ") == true)
        #expect(components?["alerting"]?["detail"]?.stringValue?.contains("slack (slack.webhook_url is not set)") == true)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/state/redis-encryption.key"))
        #expect(daemon.child.output.contains("REDIS_PASSWORD is not set"), "the warning is logged at start too")
    }
}
