import HookJSON

/// A webhook as a caller defines it (`webhook.upsert`, `hookrpc webhook import`), checked field
/// by field so that every refusal names the field that is wrong.
public struct WebhookDefinition: Sendable, Equatable {
    public var webhook: Webhook
    /// `credential.value`: the legacy secret, accepted only for `source: database`.
    public var legacyCredentialValue: String?

    /// The fields of a definition; anything else is refused so that a typo is not silently dropped.
    /// `created_at` and `updated_at` are accepted (and ignored) so an exported webhook re-imports.
    static let fields = Set([
        "code", "direction", "type", "url", "method", "auth_type", "credential", "headers", "timeout_seconds", "enabled",
        "description", "alerting", "validate_method", "allow_insecure_http", "inbound", "created_at", "updated_at",
    ]).union(DeliveryOverrides.fields)

    /// The methods `validate.one` may request an endpoint with: ones that change nothing.
    public static let validateMethods = ["HEAD", "GET", "OPTIONS"]

    /// Header names that carry secrets: those belong in the credential, not in static headers.
    static let secretHeaderNames: Set<String> = ["authorization", "proxy-authorization", "cookie", "x-api-key"]

    /// Reads and checks a definition.
    /// - Throws: `WebhookValidationError` naming the field (`auth_type`, `url`, `credential.source`, …).
    public init(json object: JSONObject) throws(WebhookValidationError) {
        for member in object where !Self.fields.contains(member.key) {
            throw WebhookValidationError(field: member.key, reason: "is not a webhook field (\(Self.fields.sorted().joined(separator: ", ")))")
        }
        guard let code = try Self.string(object, "code") else { throw WebhookValidationError(field: "code", reason: "is required") }
        let direction = try Self.enumeration(object, "direction", default: WebhookDirection.outbound)
        let key = try WebhookKey(code: code, direction: direction)
        let type = try Self.enumeration(object, "type", default: WebhookType.http)
        guard let authTypeText = try Self.string(object, "auth_type") else {
            throw WebhookValidationError(field: "auth_type", reason: "is required (one of \(AuthType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let authType = AuthType(rawValue: authTypeText) else {
            throw WebhookValidationError(field: "auth_type", reason: "must be one of \(AuthType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(authTypeText)'")
        }
        let url = try Self.string(object, "url")
        if type == .http, url?.isEmpty ?? true {
            throw WebhookValidationError(field: "url", reason: "is required for an HTTP webhook")
        }
        if let url, !url.isEmpty {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw WebhookValidationError(field: "url", reason: "must start with https:// or http://")
            }
            guard !Self.hasUserInfo(url) else {
                throw WebhookValidationError(field: "url", reason: "must not carry user:password; put secrets in the credential")
            }
        }
        let method = (try Self.string(object, "method") ?? "POST").uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(method) else {
            throw WebhookValidationError(field: "method", reason: "must be one of GET, POST, PUT, PATCH, DELETE, HEAD")
        }

        var source = CredentialSourceKind.infisical
        var reference: String? = nil
        var legacyValue: String? = nil
        switch object["credential"] {
        case nil, .null?: break
        case .object(let credential)?:
            source = try Self.enumeration(credential, "source", default: .infisical, field: "credential.source")
            reference = try Self.string(credential, "ref", field: "credential.ref")
            switch credential["value"] {
            case nil, .null?: legacyValue = nil
            case .string(let text)?: legacyValue = text
            // An object is the credential's JSON shape; it is stored as its text.
            case .object(let fields)?: legacyValue = JSONValue.object(fields).compactText
            case let other?:
                throw WebhookValidationError(field: "credential.value", reason: "must be a string or an object, found \(other.typeName)")
            }
            for member in credential where !["source", "ref", "value"].contains(member.key) {
                throw WebhookValidationError(field: "credential.\(member.key)", reason: "is not a credential field (source, ref, value)")
            }
        case let other?:
            throw WebhookValidationError(field: "credential", reason: "must be an object {source, ref, value?}, found \(other.typeName)")
        }
        if legacyValue != nil && authType == .none {
            throw WebhookValidationError(field: "credential.value", reason: "has no meaning for auth_type 'none'")
        }
        if legacyValue != nil && source != .database {
            throw WebhookValidationError(field: "credential.value", reason: "is only stored for source 'database'; put it in \(source.rawValue)")
        }
        if source == .database && reference != nil {
            throw WebhookValidationError(field: "credential.ref", reason: "has no meaning for source 'database' (the value is stored in the registry)")
        }
        if let reference, reference.isEmpty || (source == .file && reference.contains("/")) {
            throw WebhookValidationError(field: "credential.ref", reason: source == .file ? "must be a file name without '/'" : "must not be empty")
        }

        var headers: [String: String] = [:]
        switch object["headers"] {
        case nil, .null?: break
        case .object(let members)?:
            for member in members {
                guard case .string(let value) = member.value else {
                    throw WebhookValidationError(field: "headers.\(member.key)", reason: "must be a string")
                }
                if let problem = Self.headerProblem(name: member.key, value: value) {
                    throw WebhookValidationError(field: "headers.\(member.key)", reason: problem)
                }
                headers[member.key] = value
            }
        case let other?:
            throw WebhookValidationError(field: "headers", reason: "must be an object of strings, found \(other.typeName)")
        }

        let timeout = try Self.number(object, "timeout_seconds") ?? 10
        guard timeout > 0 && timeout <= 300 else { throw WebhookValidationError(field: "timeout_seconds", reason: "must be more than 0 and at most 300") }
        let enabled = try Self.boolean(object, "enabled") ?? true
        let allowInsecureHTTP = try Self.boolean(object, "allow_insecure_http") ?? false
        var alerting = AlertOverrides()
        switch object["alerting"] {
        case nil, .null?: break
        case .object(let members)?: alerting = try AlertOverrides(json: members)
        case let other?: throw WebhookValidationError(field: "alerting", reason: "must be an object of thresholds, found \(other.typeName)")
        }
        let validateMethod = (try Self.string(object, "validate_method") ?? "HEAD").uppercased()
        guard Self.validateMethods.contains(validateMethod) else {
            throw WebhookValidationError(field: "validate_method", reason: "must be one of \(Self.validateMethods.joined(separator: ", "))")
        }
        var delivery = DeliveryOverrides()
        for field in DeliveryOverrides.fields {
            if let value = object[field] { try delivery.read(field, value) }
        }
        var inbound = InboundSettings()
        switch object["inbound"] {
        case nil, .null?: break
        case .object(let members)? where direction == .inbound: inbound = try InboundSettings(json: members)
        case .object(let members)? where members.isEmpty: break
        case .object?: throw WebhookValidationError(field: "inbound", reason: "applies to direction IN only (how inbound.verify checks requests)")
        case let other?: throw WebhookValidationError(field: "inbound", reason: "must be an object {tolerance_seconds?, replay_window_seconds?, generic?}, found \(other.typeName)")
        }
        webhook = Webhook(
            key: key, type: type, url: url, method: method, authType: authType, credentialSource: source,
            credentialReference: reference, headers: headers, timeoutSeconds: timeout, enabled: enabled,
            description: try Self.string(object, "description") ?? "", alerting: alerting, validateMethod: validateMethod,
            allowInsecureHTTP: allowInsecureHTTP, delivery: delivery, inbound: inbound)
        legacyCredentialValue = legacyValue
    }

    private static func string(_ object: JSONObject, _ key: String, field: String? = nil) throws(WebhookValidationError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw WebhookValidationError(field: field ?? key, reason: "must be a string, found \(other.typeName)")
        }
    }

    private static func boolean(_ object: JSONObject, _ key: String) throws(WebhookValidationError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw WebhookValidationError(field: key, reason: "must be a boolean, found \(other.typeName)")
        }
    }

    private static func number(_ object: JSONObject, _ key: String) throws(WebhookValidationError) -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?:
            guard let number = value.doubleValue else { throw WebhookValidationError(field: key, reason: "must be a number, found \(value.typeName)") }
            return number
        }
    }

    private static func enumeration<Value: RawRepresentable & CaseIterable>(
        _ object: JSONObject, _ key: String, default fallback: Value, field: String? = nil
    ) throws(WebhookValidationError) -> Value where Value.RawValue == String {
        guard let text = try string(object, key, field: field) else { return fallback }
        guard let value = Value(rawValue: text) else {
            throw WebhookValidationError(field: field ?? key, reason: "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }

    /// Why a header a caller gives (a webhook's static one, or one for a single delivery) may not
    /// be sent, or nil when it may: an invalid name or value, or a name that carries a secret.
    public static func headerProblem(name: String, value: String) -> String? {
        // Bytes, not Characters: "\r\n" is one Character, so contains("\r") would miss it.
        guard isHeaderName(name), !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            return "is not a valid header"
        }
        guard !secretHeaderNames.contains(name.lowercased()) else {
            return "carries a secret; use the credential (auth_type) instead"
        }
        return nil
    }

    private static func isHeaderName(_ name: String) -> Bool {
        // RFC 9110 token characters.
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func hasUserInfo(_ url: String) -> Bool {
        let afterScheme = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "https://user:pass@host/path" splits into ["https:", "", "user:pass@host", "path"].
        guard afterScheme.count >= 3 else { return false }
        let authority = afterScheme[2].prefix { $0 != "?" && $0 != "#" }
        return authority.contains("@")
    }
}
