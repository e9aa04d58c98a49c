import HookRPC

/// A call through `HookClient` failed: the daemon answered with an error, or it could not be reached.
public enum HookClientError: Error, Sendable, CustomStringConvertible {
    /// The daemon answered with a JSON-RPC error.
    case reply(RPCError)
    /// The socket could not be connected, written or read.
    case connection(path: String, reason: String)
    /// No complete reply within the timeout.
    case timeout(path: String, seconds: Double)
    /// The daemon sent something that is not a JSON-RPC 2.0 response.
    case protocolViolation(String)
    /// The process listening on the socket runs as a user this client does not trust with a
    /// secret-bearing call (neither root nor the caller, nor named in `HOOKD_TRUSTED_UID`).
    case untrustedServer(path: String, userID: UInt32, method: String)

    public var description: String {
        switch self {
        case .reply(let error): error.description
        case .connection(let path, let reason): "cannot talk to hookd at \(path): \(reason)"
        case .timeout(let path, let seconds): "hookd at \(path) did not answer within \(seconds) s"
        case .protocolViolation(let detail): "hookd sent an invalid reply: \(detail)"
        case .untrustedServer(let path, let userID, let method):
            "refusing to call \(method) on \(path): the server runs as uid \(userID), neither root nor this user; "
                + "set HOOKD_TRUSTED_UID=\(userID) if that is really hookd"
        }
    }
}
