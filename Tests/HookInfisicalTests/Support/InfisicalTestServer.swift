import Foundation
import HookHTTP
import HookJSON

/// The Infisical stand-in (Tests/Fixtures/infisical_server.py) on a private port, started per test
/// and stopped by pid on every path, with every wait bounded.
final class InfisicalTestServer: @unchecked Sendable {
    // `process` is only touched by the test that owns the server.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let projectID = "proj-hookd-unit"
    static let environment = "prod"

    let port: Int
    let logPath: String
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
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private init() throws {
        directory = NSTemporaryDirectory() + "hookd-infisical-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        logPath = directory + "/server.log"
        let portFile = directory + "/port"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw Failure(description: "cannot create \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0", "--port-file", portFile]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        var found: Int? = nil
        let deadline = Date().addingTimeInterval(10)
        while found == nil && process.isRunning && Date() < deadline {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            Self.terminate(process)
            throw Failure(description: "the Infisical test server did not start within 10 s: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        port = found
    }

    deinit { Self.terminate(process) }

    /// SIGTERM, then SIGKILL if the server has not gone after 5 s.
    func stop() async {
        let t0 = ContinuousClock.now
        await control.shutdown()
        print("DEBUG control shutdown", ContinuousClock.now - t0)
        Self.terminate(process)
        print("DEBUG terminate", ContinuousClock.now - t0)
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
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
