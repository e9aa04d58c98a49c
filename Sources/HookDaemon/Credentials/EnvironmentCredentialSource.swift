import HookCore

/// Credentials in hookd's environment: `HOOKD_CRED_<CODE>_<DIRECTION>`, or the variable `ref` names.
struct EnvironmentCredentialSource: CredentialSourceReader {
    let environment: [String: String]

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        let name = reference ?? Webhook.defaultReference(for: webhook.key, in: .env) ?? ""
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
