import Foundation
import HookHTTP
import HookJSON

/// The Infisical stand-in (Tests/Fixtures/infisical_server.py) on a private port, started per test
/// and stopped by pid on every path, with every wait bounded.
final class InfisicalTestServer: @unchecked Sendable {
    // `port` and `process` are only touched by the test that owns the server.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let projectID = "proj-hookd-unit"
    static let environment = "prod"

    private(set) var port = 0
    let logPath: String
    private let portFile: String
    private let process: Process
    private let directory: String
    private let control = HTTPClient()

    var siteURL: String { "http://127.0.0.1:\(port)" }

    /// What the server wrote to stderr so far (one line per request, never a body).
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/infisical_server.py").path

    /// Runs `body` against a fresh server, which is stopped however `body` ends.
    static func with<Result>(_ body: (InfisicalTestServer) async throws -> Result) async throws -> Result {
        let server = try InfisicalTestServer()
        do {
            try await server.waitUntilListening()
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Python, told to unblock the signals a test runner's thread may have blocked (a spawned child
    /// inherits the mask, and a blocked SIGTERM would leave only SIGKILL), then running the script.
    private static let launcher = """
        import runpy, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """

    private init() throws {
        directory = NSTemporaryDirectory() + "hookd-infisical-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        logPath = directory + "/server.log"
        portFile = directory + "/port"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw Failure(description: "cannot create \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.launcher, Self.script, "--port", "0", "--port-file", portFile]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits (at most 10 s) for the port file the server writes once it listens.
    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline {
            let text = try? String(contentsOfFile: portFile, encoding: .utf8)
            if let found = text.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                port = found
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "the Infisical test server did not start within 10 s: \(log)")
    }

    /// A last resort when a test never reached `stop`.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGTERM, then SIGKILL if the server has not gone after 5 s; then removes its files.
    func stop() async {
        await control.shutdown()
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let killDeadline = ContinuousClock.now + .seconds(5)
            while process.isRunning && ContinuousClock.now < killDeadline { try? await Task.sleep(for: .milliseconds(10)) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Test controls

    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let request = HTTPRequest(method: method, url: "\(siteURL)/__test__/\(path)", headers: [("Content-Type", "application/json")],
                                  body: body?.encoded() ?? [], timeoutSeconds: 10)
        let response = try await control.send(request)
        guard (200..<300).contains(response.statusCode) else {
            throw Failure(description: "\(method) \(path): HTTP \(response.statusCode) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONValue.parse(response.body)
    }

    func addIdentity(clientID: String, clientSecret: String, expiresIn: Double = 7200) async throws {
        try await call("POST", "identities", ["clientId": .string(clientID), "clientSecret": .string(clientSecret), "expiresIn": .double(expiresIn)])
    }

    func setSecret(_ name: String, _ value: String) async throws {
        try await call("PUT", "secrets", ["projectId": .string(Self.projectID), "environment": .string(Self.environment),
                                          "name": .string(name), "value": .string(value)])
    }

    func configure(_ settings: JSONValue) async throws { try await call("POST", "config", settings) }

    /// How many API requests of `kind` (login, renew, read, write) the server received.
    func requests(_ kind: String) async throws -> Int64 {
        try await call("GET", "stats")["requests"]?[kind]?.integerValue ?? -1
    }
}
