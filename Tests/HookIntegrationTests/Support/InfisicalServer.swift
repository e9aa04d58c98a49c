import Foundation
import HookTestSupport
import HookJSON

/// The Infisical-compatible test server (Tests/Fixtures/infisical_server.py) on a private port.
final class InfisicalServer: @unchecked Sendable {
    static let clientID = "hookd-test-identity"
    static let clientSecret = "st.identity-secret-7f3a9c"
    static let projectID = "proj-hookd-test"
    static let environment = "test"

    let child: ChildProcess
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server, creates the test identity (`tokenSeconds` life) and waits until it answers.
    init(directory: String, tokenSeconds: Double = 7200, tokenMaxSeconds: Double = 2_592_000) throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/infisical_server.py").path
        let portFile = "\(directory)/infisical.port"
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", script, "--port", "0", "--port-file", portFile],
                                     outputPath: "\(directory)/infisical.log")
        self.child = child
        var found: Int? = nil
        _ = TestEnvironment.wait(seconds: 10) {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return found != nil || !child.isRunning
        }
        guard let found else {
            child.stop()
            throw DaemonFailure(message: "the Infisical test server did not start: \(child.output)")
        }
        port = found
        try control("POST", "identities", ["clientId": .string(Self.clientID), "clientSecret": .string(Self.clientSecret),
                                           "expiresIn": .double(tokenSeconds), "accessTokenMaxTTL": .double(tokenMaxSeconds)])
    }

    deinit { child.stop() }

    func setSecret(_ name: String, _ value: String) throws {
        try control("PUT", "secrets", ["projectId": .string(Self.projectID), "environment": .string(Self.environment),
                                       "secretPath": "/", "name": .string(name), "value": .string(value)])
    }

    func configure(_ settings: JSONObject) throws { try control("POST", "config", .object(settings)) }

    /// Requests the server counted, by kind: login, renew, read, write.
    func requestCount(_ kind: String) throws -> Int {
        Int(try HTTPControl.call("GET", "\(baseURL)/__test__/stats")["requests"]?[kind]?.integerValue ?? -1)
    }

    @discardableResult
    func control(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue {
        try HTTPControl.call(method, "\(baseURL)/__test__/\(path)", body)
    }

    /// The `infisical:` section of a hookd configuration pointing here.
    var configuration: String {
        """
        infisical:
          site_url: \(baseURL)
          client_id: \(Self.clientID)
          client_secret: \(Self.clientSecret)
          project_id: \(Self.projectID)
          environment: \(Self.environment)
          retry_budget_seconds: 2

        """
    }
}
