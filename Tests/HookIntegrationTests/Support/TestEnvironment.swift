import Foundation
import HookTestSupport

/// Paths and services the integration tests use; `make test` provides them.
enum TestEnvironment {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The hookd binary: `$HOOKD_BIN`, or the debug build next to this checkout.
    static var hookdPath: String { binary("HOOKD_BIN", name: "hookd") }
    static var hookrpcPath: String { binary("HOOKRPC_BIN", name: "hookrpc") }

    /// The hooksandbox binary: `$HOOKSANDBOX_BIN`, or the one next to `hookdPath`.
    static var hooksandboxPath: String {
        if let path = ProcessInfo.processInfo.environment["HOOKSANDBOX_BIN"], !path.isEmpty { return path }
        return URL(fileURLWithPath: hookdPath).deletingLastPathComponent().appendingPathComponent("hooksandbox").path
    }

    private static func binary(_ variable: String, name: String) -> String {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
        return repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// A fresh private directory, world-traversable so that tests may act as another user in it.
    /// Configuration that lets webhook calls reach the loopback fixture servers: without it,
    /// hookd's network policy refuses every loopback target (as it should in production).
    static let loopbackAllowed = "network:\n  allow: [127.0.0.0/8]\n"

    static func makeTemporaryDirectory() throws -> String {
        let path = "/tmp/hookd-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }

    /// Waits until `condition` holds, for at most `seconds`.
    /// Runs `hookd --check-config` on `text` written to a fresh file (with `environment` when given).
    /// - Returns: the exit status (nil: it did not exit within 10 s) and everything it printed.
    static func checkConfiguration(_ text: String, environment: [String: String]? = nil) throws -> (status: Int32?, output: String, path: String) {
        let directory = try makeTemporaryDirectory()
        let path = "\(directory)/hookd.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let child = try ChildProcess(executable: hookdPath, arguments: ["--check-config", path], environment: environment,
                                     outputPath: "\(directory)/check.out")
        return (child.waitForExit(seconds: 10), child.output, path)
    }

    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
