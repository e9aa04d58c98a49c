import Foundation
import HookClient
import HookHTTP
import HookJSON
import HookRPC
import HookTestSupport
import Testing

/// Issue 16, black box: hookd's Prometheus exposition on `metrics.listen` and `system.metrics`,
/// its counts after known calls, the bound on `code` labels, and the loopback-only listener.
/// (Tests/Metrics/test_prometheus.py scrapes it with a real Prometheus.)
@Suite(.serialized)
struct MetricsTests {
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The value of one series in an exposition, nil when absent.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func scrape(_ port: Int) throws -> String {
        var text = ""
        let done = TestEnvironment.wait(seconds: 10) {
            guard let transfer = try? CurlEasyTransfer(),
                  let response = try? transfer.perform(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", timeoutSeconds: 5)),
                  response.statusCode == 200 else { return false }
            text = String(decoding: response.body, as: UTF8.self)
            return true
        }
        guard done else { throw DaemonFailure(message: "no answer from GET /metrics on \(port)") }
        return text
    }

    @Test func theExpositionCountsCallsByCodeAndOutcomeAndSystemMetricsServesTheSame() throws {
        let port = try Self.freePort()
        let daemon = try DaemonProcess(configuration: "metrics:\n  listen: 127.0.0.1:\(port)\n  max_codes: 2\n")
        defer { _ = daemon.child.stop() }
        let client = daemon.client()
        for code in ["FIRST", "SECOND", "THIRD"] {
            _ = try client.upsertWebhook(["code": .string(code), "type": "SERVICE", "auth_type": "none"])
        }
        // Registered codes have their series at 0 before any call.
        let before = try Self.scrape(port)
        #expect(Self.value(before, #"hookd_webhook_calls_total{code="FIRST",direction="OUT",outcome="auth_failure"}"#) == 0, "\(before.prefix(400))")
        let recorded: [(String, Bool, Int)] = [("FIRST", true, 200), ("FIRST", false, 500), ("FIRST", false, 401), ("FIRST", false, 403),
                                            ("SECOND", true, 200), ("THIRD", false, 502), ("FOURTH", true, 200)]
        for (code, success, status) in recorded {
            _ = try client.call("alert.record", params: ["webhook_code": .string(code), "success": .bool(success), "duration": 0.25,
                                                         "status_code": .integer(Int64(status))])
        }
        let text = try Self.scrape(port)
        func calls(_ code: String, _ outcome: String) -> Double? {
            Self.value(text, #"hookd_webhook_calls_total{code="\#(code)",direction="OUT",outcome="\#(outcome)"}"#)
        }
        #expect(calls("FIRST", "success") == 1 && calls("FIRST", "failure") == 1 && calls("FIRST", "auth_failure") == 2)
        #expect(calls("SECOND", "success") == 1)
        // max_codes 2: the third and later codes are summed under _other.
        #expect(calls("_other", "failure") == 1 && calls("_other", "success") == 1, "\(text.split(separator: "\n").filter { $0.contains("_other") })")
        #expect(!text.contains(#"code="THIRD""#) && !text.contains(#"code="FOURTH""#))
        #expect(Self.value(text, #"hookd_webhook_call_duration_seconds_count{code="FIRST"}"#) == 4)
        #expect((Self.value(text, #"hookd_rpc_requests_total{method="alert.record",outcome="ok"}"#) ?? 0) >= 7)
        #expect((Self.value(text, "hookd_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect(Self.value(text, "hookd_rpc_connections_open").map { $0 >= 1 } == true)
        #expect(text.contains("# HELP hookd_webhook_calls_total ") && text.contains("# TYPE hookd_webhook_calls_total counter"))

        let served = try client.call("system.metrics")
        #expect(served["content_type"] == "text/plain; version=0.0.4; charset=utf-8")
        let names = { (exposition: String) in
            Set(exposition.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        }
        #expect(names(served["text"]?.stringValue ?? "") == names(text))
        #expect(names(text).allSatisfy { $0.hasPrefix("hookd_") })
        // hookrpc metrics --prometheus: the same text, for node_exporter's textfile collector.
        let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: ["metrics", "--prometheus", "--socket", daemon.socketPath],
                                     outputPath: "\(daemon.directory)/hookrpc-metrics.out")
        #expect(child.waitForExit(seconds: 15) == 0)
        #expect(names(child.output) == names(text))
    }

    @Test func credentialFetchesAndInfisicalLoginsAreCounted() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let infisical = try InfisicalServer(directory: directory)
        defer { _ = infisical.child.stop() }
        try infisical.setSecret("METRICS_TOKEN", "tok_fake_metrics_0123")
        let daemon = try DaemonProcess(configuration: infisical.configuration, directory: directory)
        defer { _ = daemon.child.stop() }
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "COUNTED", "url": "https://api.example.test", "auth_type": "bearer",
                                      "credential": ["source": "infisical", "ref": "METRICS_TOKEN"]])
        for _ in 0..<3 { _ = try client.call("credential.get", params: ["code": "COUNTED"]) }
        let text = try client.call("system.metrics")["text"]?.stringValue ?? ""
        #expect(Self.value(text, #"hookd_infisical_token_events_total{event="logged_in"}"#) == 1, "\(text.split(separator: "\n").filter { $0.contains("infisical") })")
        #expect(Self.value(text, #"hookd_infisical_token_events_total{event="renewed"}"#) == 0)
        #expect(Self.value(text, #"hookd_credential_source_fetches_total{source="infisical",outcome="ok"}"#) == 1)
        #expect(Self.value(text, #"hookd_credential_source_fetches_total{source="infisical",outcome="error"}"#) == 0)
        #expect(Self.value(text, #"hookd_credential_lookups_total{tier="memory",result="hit"}"#) == 2)
        #expect(Self.value(text, #"hookd_credential_lookups_total{tier="memory",result="miss"}"#) == 1)
        #expect(Self.value(text, "hookd_credential_cache_entries") == 1)
        #expect(!text.contains("tok_fake_metrics_0123"))
    }

    @Test func aListenerBeyondLoopbackIsRefusedUnlessAllowed() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let refused = try DaemonProcess(configuration: "metrics:\n  listen: 0.0.0.0:9464\n", directory: directory, waitUntilReady: false)
        let status = refused.child.waitForExit(seconds: 10)
        #expect(status != nil && status != 0, "hookd must not start")
        #expect(refused.child.output.contains("allow_remote"), "\(refused.child.output)")
        #expect(throws: Error.self) { _ = try DaemonProcess(configuration: "metrics:\n  listen: localhost\n") }
    }
}
