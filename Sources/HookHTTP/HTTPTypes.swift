/// An HTTP request as the adapters send it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeoutSeconds: Double

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeoutSeconds: Double = 10) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}

/// An HTTP response: status and body (headers come when a caller needs them).
public struct HTTPResponse: Sendable, Equatable {
    public var statusCode: Int
    public var body: [UInt8]
}

/// A transfer failed before a response arrived: curl's code and its text (never the URL's secrets).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var curlCode: Int
    public var message: String
    public var description: String { "http: \(message) (curl \(curlCode))" }
}
