import Foundation
import HookJSON
import HookTestSupport

/// The scripted webhook receiver (Tests/Fixtures/delivery_sink.py): records every request hookd
/// delivers and answers each path as the test scripted it. Stopped by pid when released.
final class DeliverySink: @unchecked Sendable {
    // Immutable after init; the fixture is stopped in deinit.
    let fixture: PortFileFixture

    /// `http://127.0.0.1:<port>`.
    var base: String { "http://127.0.0.1:\(fixture.port)" }

    init() throws {
        fixture = try PortFileFixture(name: "delivery-sink", executable: "/usr/bin/env",
                                      arguments: ["python3", PortFileFixture.fixtures + "/delivery_sink.py", "--port", "0"])
    }

    deinit { fixture.stop() }

    /// The URL of a receiving path, `/orders` → `http://127.0.0.1:<port>/orders`.
    func url(_ path: String) -> String { base + path }

    /// Sets how `path` answers from now on (the sink's `PUT /__test__/script/<path>`).
    func script(_ path: String, statuses: [Int] = [200], retryAfter: String? = nil, delayMilliseconds: Int = 0, body: String? = nil) throws {
        var script: JSONObject = ["statuses": .array(statuses.map { .integer(Int64($0)) }), "delay_ms": .integer(Int64(delayMilliseconds))]
        if let retryAfter { script["retry_after"] = .string(retryAfter) }
        if let body { script["body"] = .string(body) }
        try HTTPControl.call("PUT", base + "/__test__/script" + path, .object(script))
    }

    /// What reached `path`, in order of arrival.
    func requests(_ path: String) throws -> [Request] {
        try (HTTPControl.call("GET", base + "/__test__/requests?path=" + path).arrayValue ?? []).map(Request.init)
    }

    /// The `webhook-id` of each request to `path` (nil without one), in order of arrival.
    func webhookIDs(_ path: String) throws -> [String?] {
        (try HTTPControl.call("GET", base + "/__test__/webhook-ids?path=" + path).arrayValue ?? []).map(\.stringValue)
    }

    /// How many requests reached `path`.
    func count(_ path: String) throws -> Int {
        Int(try HTTPControl.call("GET", base + "/__test__/count?path=" + path)["count"]?.integerValue ?? -1)
    }

    /// The most requests to `path` the sink was answering at once (since its script was set).
    func maxConcurrency(_ path: String) throws -> Int {
        Int(try HTTPControl.call("GET", base + "/__test__/concurrency?path=" + path)["max"]?.integerValue ?? -1)
    }

    /// Waits until `path` has received at least `expected` requests, for at most `seconds`.
    /// - Returns: the requests then.
    func waitForRequests(_ path: String, atLeast expected: Int, seconds: Double) throws -> [Request] {
        _ = TestEnvironment.wait(seconds: seconds) { ((try? count(path)) ?? 0) >= expected }
        return try requests(path)
    }

    /// One recorded request.
    struct Request {
        var time: Double
        var method: String
        var headers: [String: String]
        var body: [UInt8]
        var webhookID: String?
        var status: Int

        init(_ json: JSONValue) {
            time = json["time"]?.doubleValue ?? 0
            method = json["method"]?.stringValue ?? ""
            var headers: [String: String] = [:]
            for member in json["headers"]?.objectValue ?? [:] { headers[member.key] = member.value.stringValue }
            self.headers = headers
            body = Array(Data(base64Encoded: json["body_base64"]?.stringValue ?? "") ?? Data())
            webhookID = json["webhook_id"]?.stringValue
            status = Int(json["status"]?.integerValue ?? 0)
        }

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }
}
