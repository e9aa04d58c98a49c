import HookJSON

extension Masker {
    /// Payload keys whose value is always masked, normalised (see `normalizedKey`).
    static let sensitiveKeys: Set<String> = [
        "password", "passwd", "pwd", "secret", "token", "accesstoken", "refreshtoken", "idtoken",
        "apikey", "authorization", "clientsecret", "privatekey", "credential", "credentials",
        "cookie", "cardnumber", "card", "cvv", "cvv2", "cvc", "pan", "pin", "ssn",
        "accountnumber", "iban",
    ]

    /// A normalised key ending with one of these is masked too (`db_password`, `webhook_secret`,
    /// `csrf_token`, `stripe_api_key`, `credit_card_number`), so that a provider's own naming does
    /// not leak a secret. Short names (`pan`, `pin`, `card`) only match exactly: as suffixes they
    /// would hit ordinary words (`company`, `discard`).
    static let sensitiveKeySuffixes = [
        "password", "passwd", "secret", "token", "apikey", "privatekey", "cardnumber", "accountnumber",
    ]

    /// Masks the sensitive parts of a JSON payload, at any depth.
    ///
    /// An object member whose key is sensitive (password, secret, token, api_key, card_number,
    /// cvv, iban … and the configured extra keys; compared ignoring case, `_`, `-`, spaces and
    /// dots, so `API_KEY`, `Api-Key` and `apiKey` are the same key; also keys ending in password,
    /// secret, token, api key …) has its value, whatever its type, replaced by ``mask``. Every
    /// other string is cleaned as ``maskText(_:)`` does: known secrets, URL secrets and
    /// Luhn-valid card numbers under any key. Member order is kept.
    /// - Parameter value: the payload.
    /// - Returns: the payload to log or publish.
    public func maskPayload(_ value: JSONValue) -> JSONValue {
        guard isEnabled else { return value }
        switch value {
        case .object(let object):
            return .object(JSONObject(object.members.map { member in
                let masked: JSONValue = isSensitiveKey(member.key) ? .string(Self.mask) : maskPayload(member.value)
                return JSONObject.Member(key: maskKnownSecrets(member.key), value: masked)
            }))
        case .array(let elements):
            return .array(elements.map(maskPayload))
        case .string(let text):
            return .string(maskText(text))
        case .null, .bool, .integer, .double:
            return value
        }
    }

    /// Whether a payload member with this key holds a secret.
    func isSensitiveKey(_ key: String) -> Bool {
        let normalized = Self.normalizedKey(key)
        if Self.sensitiveKeys.contains(normalized) || extraKeys.contains(normalized) { return true }
        return Self.sensitiveKeySuffixes.contains { normalized.hasSuffix($0) }
    }
}
