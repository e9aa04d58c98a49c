import HookCore

/// The sandbox's own signature check, for an endpoint whose script carries `scheme` and `secret`:
/// used when hookd is not configured or cannot be reached.
///
/// The same check as hookd's `inbound.verify` (HookCore's `SignatureVerifier`, five minutes'
/// tolerance), without replay protection: the sandbox is where a developer resends a request on
/// purpose, so a repeated event is judged on its signature alone.
enum SandboxSignatureCheck {
    /// The schemes a script may name: every one but `generic`, whose settings a script cannot carry.
    static let schemes: [SignatureScheme] = [.stripe, .github, .slack, .shopify, .twilio, .standardWebhooks]

    /// Seconds a signed timestamp may be from the time the request arrived, either way.
    static let tolerance: Double = 300

    /// Judges one request as received.
    /// - Parameters:
    ///   - headers: the headers as received; a form body's fields are read from `body` for Twilio.
    ///   - url: the full URL the sender requested.
    ///   - receivedAt: unix seconds at which the request arrived.
    /// - Returns: the sandbox's verdict (a scheme the check cannot run is an invalid verdict saying why).
    static func verdict(
        scheme: SignatureScheme, key: SigningKey, headers: [(name: String, value: String)], body: [UInt8], url: String, receivedAt: Double
    ) -> CaptureVerdict {
        let params = scheme == .twilio ? FormEncoding.fields(ofFormPost: headers, body: body) : nil
        do throws(SignatureInputError) {
            let verification = try HookCore.SignatureVerifier.verify(
                scheme: scheme, keys: SigningKeys(current: key), headers: headers, body: body, url: url, params: params,
                now: receivedAt, tolerance: tolerance)
            return CaptureVerdict(valid: verification.valid, reason: verification.reason?.rawValue, checkedBy: .sandbox)
        } catch {
            // Unreachable while scripts refuse `generic` and a URL is always given; a verdict all the same.
            return CaptureVerdict(valid: false, reason: "sandbox_error: \(error.description)", checkedBy: .sandbox)
        }
    }
}
