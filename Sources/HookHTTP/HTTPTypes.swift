/// An HTTP request as the adapters send it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Limit for the whole transfer (connect, send, wait, receive), in seconds.
    public var timeoutSeconds: Double
    /// Whether `HTTPClient` follows 3xx `Location` answers (at most 10, http and https only).
    ///
    /// Off by default: a webhook target that redirects is usually misconfigured, and following it
    /// silently would re-send the body (and its secrets) to a host nobody configured.
    public var followRedirects: Bool
    /// Open a new connection rather than reuse one: the TLS handshake is redone, so the peer
    /// certificate (`certificateExpiresAt`) is known for this response too. For checks, not calls.
    public var freshConnection: Bool
    /// Only `https://` may be requested, also by a redirect: set when the request carries a
    /// credential that must not cross the network in clear text.
    public var requiresTLS: Bool

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeoutSeconds: Double = 10, followRedirects: Bool = false, freshConnection: Bool = false, requiresTLS: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.followRedirects = followRedirects
        self.freshConnection = freshConnection
        self.requiresTLS = requiresTLS
    }
}

/// An HTTP response: status, body, the final response's headers and what the transfer cost.
public struct HTTPResponse: Sendable, Equatable {
    public var statusCode: Int
    public var body: [UInt8]
    /// Header fields of the final response in arrival order (1xx and followed redirects dropped).
    /// Names keep the server's spelling; use `header(named:)` to look one up case-insensitively.
    public var headers: [(name: String, value: String)]
    /// Wall time of the whole transfer in seconds (curl's `CURLINFO_TOTAL_TIME`); 0 when unknown.
    public var totalSeconds: Double
    /// The HTTPS peer certificate's "Expire date" as curl reports it (e.g. `Jan  2 03:04:05 2026 GMT`),
    /// so operators can be warned before a webhook target's certificate lapses; nil for plain HTTP
    /// or when curl gathered no certificate data (for example on a reused connection).
    public var certificateExpiresAt: String?

    public init(
        statusCode: Int, body: [UInt8], headers: [(name: String, value: String)] = [], totalSeconds: Double = 0,
        certificateExpiresAt: String? = nil
    ) {
        self.statusCode = statusCode
        self.body = body
        self.headers = headers
        self.totalSeconds = totalSeconds
        self.certificateExpiresAt = certificateExpiresAt
    }

    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.statusCode == rhs.statusCode && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
            && lhs.totalSeconds == rhs.totalSeconds && lhs.certificateExpiresAt == rhs.certificateExpiresAt
    }
}

/// A transfer failed before a response arrived: curl's code and its text (never the URL's secrets).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// curl's `CURLcode` (7 = could not connect, 28 = timed out, 60 = certificate problem, …);
    /// -1 when the failure is ours rather than curl's (see `HTTPError.shutDown`).
    public var curlCode: Int
    /// curl's detailed text (its error buffer) when it has one, otherwise `curl_easy_strerror`.
    public var message: String
    /// Method and URL with userinfo, query and fragment removed (`POST https://host/path`), so logs
    /// say which endpoint failed without leaking tokens; nil when the error is not about one transfer.
    public var target: String? = nil
    public var description: String {
        guard let target else { return "http: \(message) (curl \(curlCode))" }
        return "http: \(message) (curl \(curlCode)) [\(target)]"
    }
}
