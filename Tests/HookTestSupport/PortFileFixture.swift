import Foundation

/// A test server from Tests/Fixtures that picks a free port and writes it to `--port-file`:
/// started with `ChildProcess`, waited for (at most 10 s), stopped by pid.
public final class PortFileFixture: @unchecked Sendable {
    // Immutable after init; `child` is stopped by the test that owns the fixture.
    public let directory: String
    public let port: Int
    public let child: ChildProcess

    /// What the server printed so far.
    public var log: String { child.output }

    /// The repository's Tests/Fixtures directory.
    public static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// Starts `executable arguments… --port-file <dir>/port` in a fresh directory.
    public init(name: String, executable: String, arguments: [String]) throws {
        directory = NSTemporaryDirectory() + "hookd-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let portFile = directory + "/port"
        child = try ChildProcess(executable: executable, arguments: arguments + ["--port-file", portFile],
                                 outputPath: directory + "/server.log")
        var found: Int? = nil
        let deadline = Date().addingTimeInterval(10)
        while found == nil && child.isRunning && Date() < deadline {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            child.stop(grace: 2)
            throw TestSupportFailure("\(name) did not start listening within 10 s: \(child.output)")
        }
        port = found
    }

    /// SIGTERM, SIGKILL after `grace` seconds; then its files go.
    public func stop(grace: Double = 5) {
        child.stop(grace: grace)
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop(grace: 2) }
}
