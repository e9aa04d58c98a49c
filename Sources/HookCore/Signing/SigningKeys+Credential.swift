import HookJSON

extension SigningKeys {
    /// The keys an hmac credential gives for `scheme`, from its JSON (`Credential.json`: `secret`,
    /// and during a rotation `previous_secret` with `previous_expires_at`); nil without a secret.
    /// One reader for signing deliveries and for verifying inbound requests.
    /// - Parameter acceptingAnyForm: use a secret that breaks its provider's form as its UTF-8
    ///   bytes (what senders sign with, as the providers' published examples do); never for
    ///   Standard Webhooks, whose key is the base64 after `whsec_` and cannot be guessed.
    /// - Throws: `SigningKeyError` for a secret that does not have `scheme`'s form.
    public static func fromCredential(_ credential: JSONValue, scheme: SignatureScheme, acceptingAnyForm: Bool = false)
        throws(SigningKeyError) -> SigningKeys?
    {
        guard case .object(let fields) = credential, let secret = fields["secret"]?.stringValue else { return nil }
        func key(_ text: String) throws(SigningKeyError) -> SigningKey {
            do throws(SigningKeyError) {
                return try SigningKey(secret: text, scheme: scheme)
            } catch {
                guard acceptingAnyForm && scheme != .standardWebhooks else { throw error }
                return SigningKey(bytes: Array(text.utf8))
            }
        }
        var keys = SigningKeys(current: try key(secret))
        if let previous = fields["previous_secret"]?.stringValue,
           let expiresAt = fields["previous_expires_at"].flatMap({ ISO8601.seconds(from: $0) }) {
            keys.previous = Previous(key: try key(previous), expiresAt: expiresAt)
        }
        return keys
    }
}
