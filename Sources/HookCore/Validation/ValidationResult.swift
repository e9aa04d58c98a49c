import HookJSON

/// What a credential check concluded, in the seed's four words.
public enum ValidationStatus: String, Sendable, CaseIterable {
    /// The endpoint accepted the credential (or the signing secret signs and verifies).
    case valid = "VALID"
    /// The credential is missing, malformed, or was refused; or the endpoint is gone.
    case invalid = "INVALID"
    /// Nothing to check against: a SERVICE webhook, no URL, or no signature scheme.
    case untested = "UNTESTED"
    /// The check itself failed: timeout, connection, TLS, 429 or 5xx, or the source is down.
    case error = "ERROR"
}

/// One webhook's check: `validate.one`'s result and one row of `validate.all`'s.
public struct ValidationResult: Sendable, Equatable {
    public var key: WebhookKey
    public var status: ValidationStatus
    public var message: String
    /// A machine-readable cause where callers act on it (see `Reason`); nil otherwise.
    public var reason: String?
    /// The endpoint, with an api_key carried in the query masked; nil when not requested.
    public var url: String?
    public var method: String?
    public var statusCode: Int?
    public var latencyMilliseconds: Double?
    public var credentialSource: CredentialSourceKind
    public var authType: AuthType
    public var tlsExpiresInDays: Int?
    /// Seconds since 1970.
    public var checkedAt: Double

    public init(
        key: WebhookKey, status: ValidationStatus, message: String, url: String? = nil, method: String? = nil, statusCode: Int? = nil,
        latencyMilliseconds: Double? = nil, credentialSource: CredentialSourceKind, authType: AuthType, tlsExpiresInDays: Int? = nil,
        checkedAt: Double
    ) {
        self.key = key
        self.status = status
        self.message = message
        self.url = url
        self.method = method
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.credentialSource = credentialSource
        self.authType = authType
        self.tlsExpiresInDays = tlsExpiresInDays
        self.checkedAt = checkedAt
    }

    /// The `reason` values, for checks hookd refused to make.
    public enum Reason {
        /// The endpoint (or OAuth2 token URL) resolved only to non-public addresses outside `network.allow`.
        public static let blockedAddress = "blocked_address"
        /// The credential would have gone over plain `http://` without `allow_insecure_http: true`.
        public static let insecureHTTP = "insecure_http"
    }

    public var json: JSONValue {
        var details: JSONObject = [
            "url": url.map(JSONValue.string) ?? .null, "method": method.map(JSONValue.string) ?? .null,
            "credential_source": .string(credentialSource.rawValue), "auth_type": .string(authType.rawValue),
            "checked_at": .string(ISO8601.format(checkedAt, fractionalDigits: 3)),
        ]
        if let statusCode { details["status_code"] = .integer(Int64(statusCode)) }
        if let latencyMilliseconds { details["latency_ms"] = .double((latencyMilliseconds * 10).rounded() / 10) }
        if let tlsExpiresInDays { details["tls_expires_in_days"] = .integer(Int64(tlsExpiresInDays)) }
        var object: JSONObject = [
            "code": .string(key.code), "direction": .string(key.direction.rawValue), "status": .string(status.rawValue),
            "message": .string(message), "details": .object(details),
        ]
        if let reason { object["reason"] = .string(reason) }
        return .object(object)
    }

    /// The `webhook_validation` line of the structured log (and MQTT `webhook/validations`).
    public var logJSON: JSONValue {
        guard case .object(var object) = json else { return json }
        object["event"] = "webhook_validation"
        object["timestamp"] = .string(ISO8601.format(checkedAt, fractionalDigits: 3))
        return .object(object)
    }

    /// What an endpoint's HTTP status says about the credential it was sent with.
    public static func verdict(forStatus status: Int) -> (ValidationStatus, String) {
        switch status {
        case 200..<400: (.valid, "Endpoint accessible - \(status)")
        case 401, 403: (.invalid, "Authentication failed - \(status)")
        case 404, 410: (.invalid, "Endpoint not found - \(status)")
        case 429: (.error, "Rate limited - 429; try again later")
        case 400..<500: (.valid, "Endpoint reachable, credential not refused - \(status)")
        default: (.error, "Endpoint error - \(status)")
        }
    }
}

/// Reads curl's certificate dates (`Jan  2 03:04:05 2026 GMT`) for the days-until-expiry detail.
public enum CertificateDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970, or nil when the text is not in curl's form.
    public static func secondsSince1970(_ text: String) -> Double? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 4, let monthIndex = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
              let year = Int(parts[3]) else { return nil }
        let clock = parts[2].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day) else { return nil }
        // Days from civil (Howard Hinnant), the inverse of ISO8601.civilDate.
        let month = monthIndex + 1
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2])
    }
}
