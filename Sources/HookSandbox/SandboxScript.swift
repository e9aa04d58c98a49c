import HookCore
import HookJSON

/// How a capture endpoint answers: a status sequence, faults and a response, all optional.
///
/// The n-th request (from 0 since the script was set) gets `failStatus` while n < `failFirst`,
/// then `statuses[n - failFirst]`, the last status repeating; with neither, 200 `{"ok":true}`.
/// `hang` and `close` win over any status: they are how a sender's timeouts and broken
/// connections are exercised.
///
/// A script may also carry a signing secret (`scheme` + `secret`) for the sandbox's own
/// signature check. Only the key derived from it is kept, and it never comes back out: `json`
/// shows `secret` as `***MASKED***`, and `SigningKey` neither prints nor reflects its bytes.
public struct SandboxScript: Sendable, Equatable {
    /// A delay before answering: fixed, or drawn uniformly from a range for each request.
    public enum Latency: Sendable, Equatable {
        case fixed(milliseconds: Int)
        case random(minimumMilliseconds: Int, maximumMilliseconds: Int)
    }

    /// Statuses answered in turn; the last repeats. Empty: 200.
    public var statuses: [Int] = []
    /// The delay before answering (or closing); nil for none.
    public var latency: Latency?
    /// How many requests get `failStatus` before `statuses` starts.
    public var failFirst: Int = 0
    /// The status of the first `failFirst` requests.
    public var failStatus: Int = 500
    /// Hold the request open with no reply until `SandboxScript.hangSeconds` or shutdown.
    public var hang: Bool = false
    /// Close the connection without a reply.
    public var close: Bool = false
    /// Seconds sent as `Retry-After` with every answer.
    public var retryAfter: Int?
    /// Extra response headers.
    public var headers: [(name: String, value: String)] = []
    /// The response body; nil for `{"ok":true}` on a 2xx and `{"ok":false}` otherwise.
    public var body: String?
    /// The webhook code whose IN secret signs this endpoint's requests, for hookd's verdicts.
    public var code: String?
    /// How this endpoint's requests are signed, for the sandbox's own check (with `signingKey`).
    public var scheme: SignatureScheme?
    /// The key `scheme` derives from the `secret` the developer gave the sandbox; nil for none.
    public var signingKey: SigningKey?

    /// How long a `hang` holds a request when the sandbox is not shut down first.
    public static let hangSeconds = 300

    /// The default script: 200 `{"ok":true}`, no delay, no faults.
    public init() {}

    /// Equal when their JSON is, and their keys (which the JSON masks).
    public static func == (lhs: SandboxScript, rhs: SandboxScript) -> Bool {
        lhs.json == rhs.json && lhs.signingKey == rhs.signingKey
    }

    /// The status of the request numbered `index` (0 for the first since the script was set).
    public func status(forRequest index: Int) -> Int {
        if index < failFirst { return failStatus }
        guard let last = statuses.last else { return 200 }
        let position = index - failFirst
        return position < statuses.count ? statuses[position] : last
    }

    /// The script as JSON, in the same shape `init(json:)` reads, with `secret` masked.
    public var json: JSONValue {
        var object = JSONObject()
        if !statuses.isEmpty { object["statuses"] = .array(statuses.map { .integer(Int64($0)) }) }
        switch latency {
        case .fixed(let milliseconds): object["latency_ms"] = .integer(Int64(milliseconds))
        case .random(let minimum, let maximum):
            object["latency_ms"] = ["min": .integer(Int64(minimum)), "max": .integer(Int64(maximum))]
        case nil: break
        }
        if failFirst > 0 {
            object["fail_first"] = .integer(Int64(failFirst))
            object["fail_status"] = .integer(Int64(failStatus))
        }
        if hang { object["hang"] = true }
        if close { object["close"] = true }
        if let retryAfter { object["retry_after"] = .integer(Int64(retryAfter)) }
        if !headers.isEmpty {
            object["headers"] = .object(JSONObject(headers.map { JSONObject.Member(key: $0.name, value: .string($0.value)) }))
        }
        if let body { object["body"] = .string(body) }
        if let code { object["code"] = .string(code) }
        if let scheme { object["scheme"] = .string(scheme.rawValue) }
        if signingKey != nil { object["secret"] = .string(Masker.mask) }
        return .object(object)
    }
}
