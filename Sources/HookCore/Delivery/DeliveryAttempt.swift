/// One try at sending a delivery, as `delivery.get` lists it.
public struct DeliveryAttempt: Sendable, Equatable {
    /// 1 for the first attempt; one more than the delivery's `attemptCount` when it was claimed.
    public var number: Int
    /// When the request started, seconds since 1970.
    public var at: Double
    /// The response's HTTP status; nil when none came (timeout, connection refused, …).
    public var statusCode: Int?
    /// From the request's start to the response's end (or the failure).
    public var durationMilliseconds: Double
    /// What went wrong, as a short kind (`timeout`, `connection_refused`, `http_503`); nil when
    /// it succeeded. Never the response body.
    public var error: String?
    /// The start of the response body, masked by the caller (`Masker.bodyPreview`) before it
    /// reaches the queue.
    public var responsePreview: String?

    public init(number: Int, at: Double, statusCode: Int? = nil, durationMilliseconds: Double, error: String? = nil, responsePreview: String? = nil) {
        self.number = number
        self.at = at
        self.statusCode = statusCode
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.responsePreview = responsePreview
    }
}
