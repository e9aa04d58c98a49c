import Foundation
import HookJSON
import HookSandbox
import HookStore
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A sandbox on a fresh store in a private temporary directory, and helpers to talk to it.
struct SandboxFixture {
    let directory: String
    let sandbox: Sandbox

    init(maxCaptures: Int = 100, scripts: [(endpoint: String, script: SandboxScript)] = [], verifier: (any SignatureVerifier)? = nil) throws {
        directory = NSTemporaryDirectory() + "hooksandbox-test-\(UUID().uuidString.prefix(8))"
        let store = try CaptureStore(path: directory + "/captures.db", maxCaptures: maxCaptures)
        sandbox = Sandbox(store: store, scripts: scripts, verifier: verifier)
    }

    /// The application (port 0: the live test framework picks a free loopback port).
    func application() -> some ApplicationProtocol {
        var logger = Logger(label: "hooksandbox-test")
        logger.logLevel = .error
        return sandbox.makeApplication(host: "127.0.0.1", port: 0, logger: logger)
    }

    func remove() {
        sandbox.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension TestResponse {
    /// The body parsed as JSON (`.null` when it is not JSON, so an expectation fails visibly).
    var json: JSONValue { (try? JSONValue.parse(Array(body.readableBytesView))) ?? .null }
    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    /// Sets an endpoint's script through the API and returns the response.
    @discardableResult
    func setScript(_ endpoint: String, _ json: String) async throws -> TestResponse {
        try await execute(uri: "/api/endpoints/\(endpoint)/script", method: .post, headers: [.contentType: "application/json"],
                          body: ByteBuffer(string: json))
    }

    /// POSTs `body` to a capture endpoint path.
    func send(_ path: String, body: String = "{}", headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// `/api/captures` with a query string, as JSON.
    func captures(_ query: String = "") async throws -> [JSONValue] {
        try await execute(uri: "/api/captures" + query, method: .get).json["captures"]?.arrayValue ?? []
    }
}
