import Foundation
import HookCore

/// Credentials in files inside `credentials.file_dir`, one file per credential. Never
/// `$CREDENTIALS_DIRECTORY`: that is where systemd puts hookd's own secrets.
struct FileCredentialSource: CredentialSourceReader {
    /// `credentials.file_dir`; nil: no webhook may use a file credential.
    let directory: String?
    let policy: CredentialReferencePolicy

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        let name = Self.name(reference, for: webhook.key)
        if let refusal = Self.refusal(of: name, directory: directory, policy: policy) {
            throw CredentialSourceError(.refusedReference, "file ref \(name) refused: \(refusal)")
        }
        guard let directory else { return nil }
        let path = "\(directory)/\(name)"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialSourceError(.unavailable, "cannot read the credential file \(path)")
        }
        let value = String(decoding: data, as: UTF8.self)
        if policy.holdsOwnSecret(value) {
            throw CredentialSourceError(.refusedReference, "file ref \(name) refused: it holds one of hookd's own secrets")
        }
        return value
    }

    func refusal(of reference: String?, for key: WebhookKey) async -> String? {
        let name = Self.name(reference, for: key)
        if let refusal = Self.refusal(of: name, directory: directory, policy: policy) { return refusal }
        if let directory, let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
           policy.holdsOwnSecret(String(decoding: data, as: UTF8.self)) {
            return "it holds one of hookd's own secrets"
        }
        return nil
    }

    private static func refusal(of name: String, directory: String?, policy: CredentialReferencePolicy) -> String? {
        if let refusal = policy.refusal(source: .file, reference: name) { return refusal }
        if directory == nil { return "credentials.file_dir is not configured" }
        return nil
    }

    private static func name(_ reference: String?, for key: WebhookKey) -> String {
        reference ?? Webhook.defaultReference(for: key, in: .file) ?? ""
    }
}
