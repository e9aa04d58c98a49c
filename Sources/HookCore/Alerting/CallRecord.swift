/// One webhook call's outcome, as `alert.record` reports it.
public struct CallRecord: Sendable, Equatable {
    public var webhookCode: String
    public var direction: WebhookDirection
    public var success: Bool
    /// Seconds.
    public var duration: Double
    public var statusCode: Int?
    /// Seconds since 1970; when the call happened.
    public var timestamp: Double

    public init(webhookCode: String, direction: WebhookDirection = .outbound, success: Bool, duration: Double, statusCode: Int? = nil, timestamp: Double) {
        self.webhookCode = webhookCode
        self.direction = direction
        self.success = success
        self.duration = duration
        self.statusCode = statusCode
        self.timestamp = timestamp
    }

    /// 401 and 403: the credential was refused, most often because it was rotated.
    public var isAuthFailure: Bool { statusCode == 401 || statusCode == 403 }
}

/// Calls that other hookd processes sharing the Redis recorded for a webhook within the window:
/// added to this process's own window when the rules judge it.
public struct RemoteCallCounts: Sendable, Equatable {
    public var total: Int
    public var failed: Int
    public var authFailures: Int

    public init(total: Int, failed: Int, authFailures: Int) {
        self.total = total
        self.failed = failed
        self.authFailures = authFailures
    }
}
