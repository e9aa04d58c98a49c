/// Signature verdicts on captures (issue 15): hookd's through `inbound.verify` when the script has
/// a `code` and hookd answers, else the sandbox's own check when the script has a `secret`.
extension Sandbox {
    /// The verdict on one captured request, nil when the script asks for none.
    ///
    /// An unreachable hookd with no secret to fall back on is a verdict too (`hookd_error: …`,
    /// by hookd), so the developer sees why there is none.
    /// - Parameters:
    ///   - headers: the headers as received, in order.
    ///   - body: the exact body bytes.
    ///   - url: the full URL the sender requested.
    ///   - receivedAt: unix seconds at which the request arrived (the sandbox's clock for timestamps).
    func signatureVerdict(
        script: SandboxScript, headers: [(name: String, value: String)], body: [UInt8], url: String, receivedAt: Double
    ) async -> CaptureVerdict? {
        var unreachable: String?
        if let code = script.code, let verifier {
            switch await verifier.verify(code: code, headers: headers, body: body, url: url) {
            case .verdict(let verdict):
                return CaptureVerdict(valid: verdict.valid, reason: verdict.reason, checkedBy: .hookd)
            case .unreachable(let reason):
                unreachable = reason
            }
        }
        if let scheme = script.scheme, let key = script.signingKey {
            return SandboxSignatureCheck.verdict(scheme: scheme, key: key, headers: headers, body: body, url: url, receivedAt: receivedAt)
        }
        return unreachable.map { CaptureVerdict(valid: false, reason: "hookd_error: \($0)", checkedBy: .hookd) }
    }
}
