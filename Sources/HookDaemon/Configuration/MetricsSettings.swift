import HookCore

/// `metrics.*`: the Prometheus exposition over TCP (`GET /metrics`), and how many webhook codes
/// get series of their own. `system.metrics` serves the same text on the socket whatever this says.
public struct MetricsSettings: Sendable, Equatable {
    /// `metrics.enabled`: whether hookd counts at all (`false` only to measure what counting costs:
    /// `system.metrics` then serves the process figures and zeros).
    public var enabled = true
    /// `metrics.listen`, `"host:port"` (`127.0.0.1:9464`, `[::1]:9464`); nil: no TCP listener.
    public var listen: (host: String, port: Int)?
    /// `metrics.allow_remote`: a non-loopback `listen` address is refused unless this is true.
    public var allowRemote = false
    /// `metrics.max_codes`: codes with their own `code` label (the first registered keep theirs);
    /// the rest are summed under `code="_other"`.
    public var maxCodes = 1000

    public init() {}

    public static func == (left: MetricsSettings, right: MetricsSettings) -> Bool {
        left.listen?.host == right.listen?.host && left.listen?.port == right.listen?.port && left.allowRemote == right.allowRemote
            && left.maxCodes == right.maxCodes && left.enabled == right.enabled
    }

    /// Reads `"host:port"` or `"[v6]:port"`; nil when it is neither.
    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = IPAddress(parsing: host) else { return false }
        return NetworkPolicy.classify(address) == .loopback
    }
}
