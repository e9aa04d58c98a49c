import HookClient
import HookStore

/// What asking a verifier (hookd) about a captured request came to.
public enum SignatureVerifierAnswer: Sendable, Equatable {
    /// The verifier judged the request (an error it answered with is a verdict too: `hookd_error: …`).
    case verdict(CaptureStore.SignatureVerdict)
    /// The verifier could not be asked (no socket, refused, timed out, not trusted); the reason.
    /// The sandbox then checks the signature itself when the script has a secret.
    case unreachable(reason: String)
}

/// Gives a signature verdict on a captured request, for an endpoint tied to a webhook code.
public protocol SignatureVerifier: Sendable {
    /// hookd's (or another checker's) verdict on the request exactly as received.
    /// - Parameters:
    ///   - code: the webhook code from the endpoint's script.
    ///   - headers: the headers as received, in order.
    ///   - body: the exact body bytes.
    ///   - url: the full URL the sender requested.
    /// - Returns: the verdict, or that the verifier could not be reached; never throws into the capture path.
    func verify(code: String, headers: [(name: String, value: String)], body: [UInt8], url: String) async -> SignatureVerifierAnswer
}

/// Asks hookd's `inbound.verify` over its Unix socket; the IN secret never leaves hookd.
///
/// `HookClient` blocks its thread on the socket, so each call runs in a detached task, off
/// Hummingbird's event loops (a slow or absent hookd then slows only the capture it verifies).
public struct HookdSignatureVerifier: SignatureVerifier {
    private let client: HookClient

    /// - Parameters:
    ///   - socketPath: hookd's socket (`--hookd-socket`).
    ///   - timeoutSeconds: how long one verification may take.
    public init(socketPath: String, timeoutSeconds: Double = 5) {
        client = HookClient(socketPath: socketPath, timeoutSeconds: timeoutSeconds)
    }

    public func verify(code: String, headers: [(name: String, value: String)], body: [UInt8], url: String) async -> SignatureVerifierAnswer {
        let client = self.client
        return await Task.detached { () -> SignatureVerifierAnswer in
            do throws(HookClientError) {
                let verdict = try client.verifyInbound(code: code, headers: headers, body: body, url: url)
                return .verdict(CaptureStore.SignatureVerdict(valid: verdict.valid, reason: verdict.reason))
            } catch {
                switch error {
                case .connection, .timeout, .untrustedServer:
                    return .unreachable(reason: error.description)
                case .reply, .protocolViolation:
                    return .verdict(CaptureStore.SignatureVerdict(valid: false, reason: "hookd_error: \(error)"))
                }
            }
        }.value
    }
}
