/// What one delivery attempt came to, as the worker saw it: the input of `StatusPolicy`.
public enum AttemptOutcome: Sendable, Hashable {
    /// The receiver answered with this status code.
    case response(statusCode: Int)
    /// No complete answer within the webhook's `timeout_seconds`.
    case timeout
    /// No connection, or it broke before an answer (DNS, refused, reset, TLS).
    case connectionFailed
    /// `NetworkPolicy` refused the receiver's address: a problem of the definition, not of the
    /// receiver, so retrying cannot help.
    case blockedAddress

    /// 401 and 403: the credential was refused. Such an answer feeds the auth-failure alert
    /// whatever the policy decides for it (the same rule as `CallRecord.isAuthFailure`).
    public var isAuthFailure: Bool {
        switch self {
        case .response(let statusCode): statusCode == 401 || statusCode == 403
        case .timeout, .connectionFailed, .blockedAddress: false
        }
    }
}
