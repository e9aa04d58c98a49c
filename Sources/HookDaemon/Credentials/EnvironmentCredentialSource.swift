import HookCore

/// Credentials in hookd's environment: `HOOKD_CRED_<CODE>_<DIRECTION>`, or the variable `ref`
/// names, when the reference policy allows that name and the value is none of hookd's own secrets.
struct EnvironmentCredentialSource: CredentialSourceReader {
    let environment: [String: String]
    let policy: CredentialReferencePolicy

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        let name = Self.name(reference, for: webhook.key)
        if let refusal = await refusal(of: reference, for: webhook.key) {
            throw CredentialSourceError(.refusedReference, "env ref \(name) refused: \(refusal)")
        }
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    func refusal(of reference: String?, for key: WebhookKey) async -> String? {
        let name = Self.name(reference, for: key)
        if let refusal = policy.refusal(source: .env, reference: name) { return refusal }
        if let value = environment[name], policy.holdsOwnSecret(value) { return "it holds one of hookd's own secrets" }
        return nil
    }

    private static func name(_ reference: String?, for key: WebhookKey) -> String {
        reference ?? Webhook.defaultReference(for: key, in: .env) ?? ""
    }
}
