import Foundation
import HookCore

/// Credentials in files: systemd's `$CREDENTIALS_DIRECTORY/<ref>` first (LoadCredential=), then
/// the configured `credentials.directory`.
struct FileCredentialSource: CredentialSourceReader {
    let directories: [String]

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        guard let name = reference ?? Webhook.defaultReference(for: webhook.key, in: .file),
              !name.contains("/"), name != "..", name != "." else { return nil }
        for directory in directories {
            let path = "\(directory)/\(name)"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CredentialSourceError(.unavailable, "cannot read the credential file \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        return nil
    }
}
