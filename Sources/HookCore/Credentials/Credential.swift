import Foundation
import HookJSON

/// Where an API key goes on a call.
public enum APIKeyPlacement: String, Sendable, CaseIterable {
    case header
    case query
}

/// The signature schemes hookd knows for `hmac` credentials.
public enum SignatureScheme: String, Sendable, CaseIterable {
    case stripe, github, slack, shopify, twilio
    case standardWebhooks = "standard_webhooks"
    case generic
}

/// OAuth 2.0 client credentials: hookd exchanges them for an access token itself.
public struct OAuth2ClientCredentials: Sendable, Equatable {
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    public var scope: String?

    public init(tokenURL: String, clientID: String, clientSecret: String, scope: String? = nil) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
    }
}

/// A webhook's credential, in the shape its `auth_type` requires.
public enum Credential: Sendable, Equatable {
    case bearer(token: String)
    case basic(username: String, password: String)
    case apiKey(name: String, value: String, placement: APIKeyPlacement)
    /// `previous`: during a rotation, the old secret and when it stops counting.
    case hmac(secret: String, scheme: SignatureScheme?, previous: PreviousSecret? = nil)
    case oauth2ClientCredentials(OAuth2ClientCredentials)
    case none

    /// The header name an API key uses when the credential does not name one.
    public static let defaultAPIKeyHeader = "X-Api-Key"

    /// Reads a source's value: a JSON object with the shape's fields, or a plain string meaning
    /// the main field (token, value, secret, password).
    /// - Throws: `CredentialFormatError` naming the webhook and the field, never the value.
    public static func parse(_ text: String, authType: AuthType, webhook: WebhookKey) throws(CredentialFormatError) -> Credential {
        func failure(_ field: String, _ reason: String) -> CredentialFormatError {
            CredentialFormatError(webhook: webhook, field: field, reason: reason)
        }
        let trimmed = text.trimmingTrailingNewlines()
        var object: JSONObject? = nil
        if trimmed.first == "{" {
            guard case .object(let parsed)? = try? JSONValue.parse(trimmed) else {
                throw failure("credential", "looks like JSON but does not parse as an object")
            }
            object = parsed
        }
        func field(_ name: String, required: Bool = true) throws(CredentialFormatError) -> String? {
            guard let object else { return nil }
            switch object[name] {
            case .string(let value)? where !value.isEmpty: return value
            case nil, .null?, .string?:
                if required { throw failure(name, "is missing") }
                return nil
            case let other?: throw failure(name, "must be a string, found \(other.typeName)")
            }
        }
        func main(_ name: String) throws(CredentialFormatError) -> String {
            if object == nil {
                guard !trimmed.isEmpty else { throw failure(name, "is empty") }
                return trimmed
            }
            return try field(name) ?? ""
        }
        switch authType {
        case .none:
            return .none
        case .bearer:
            return .bearer(token: try main("token"))
        case .basic:
            return .basic(username: try field("username", required: false) ?? "", password: try main("password"))
        case .apiKey:
            let placementText = try field("in", required: false) ?? APIKeyPlacement.header.rawValue
            guard let placement = APIKeyPlacement(rawValue: placementText) else { throw failure("in", "must be header or query") }
            return .apiKey(name: try field("name", required: false) ?? defaultAPIKeyHeader, value: try main("value"), placement: placement)
        case .hmac:
            var scheme: SignatureScheme? = nil
            if let schemeText = try field("scheme", required: false) {
                guard let known = SignatureScheme(rawValue: schemeText) else {
                    throw failure("scheme", "must be one of \(SignatureScheme.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scheme = known
            }
            var previous: PreviousSecret? = nil
            if let previousSecret = try field("previous_secret", required: false) {
                guard let expiry = object?["previous_expires_at"] else {
                    throw failure("previous_expires_at", "is required with previous_secret (seconds since 1970 or ISO 8601)")
                }
                guard let expiresAt = ISO8601.seconds(from: expiry) else {
                    throw failure("previous_expires_at", "must be seconds since 1970 or an ISO 8601 time with a zone")
                }
                previous = PreviousSecret(secret: previousSecret, expiresAt: expiresAt)
            } else if object?["previous_expires_at"] != nil && object?["previous_expires_at"] != .null {
                throw failure("previous_secret", "is required with previous_expires_at")
            }
            return .hmac(secret: try main("secret"), scheme: scheme, previous: previous)
        case .oauth2ClientCredentials:
            guard object != nil else { throw failure("credential", "must be a JSON object {token_url, client_id, client_secret, scope?}") }
            let tokenURL = try field("token_url") ?? ""
            guard tokenURL.hasPrefix("https://") || tokenURL.hasPrefix("http://") else { throw failure("token_url", "must be an http(s) URL") }
            return .oauth2ClientCredentials(OAuth2ClientCredentials(
                tokenURL: tokenURL, clientID: try field("client_id") ?? "", clientSecret: try field("client_secret") ?? "",
                scope: try field("scope", required: false)))
        }
    }

    /// The credential as `credential.get` returns it (for oauth2, the issued token replaces this).
    public var json: JSONValue {
        switch self {
        case .bearer(let token): ["token": .string(token)]
        case .basic(let username, let password): ["username": .string(username), "password": .string(password)]
        case .apiKey(let name, let value, let placement): ["name": .string(name), "value": .string(value), "in": .string(placement.rawValue)]
        case .hmac(let secret, let scheme, let previous):
            if let previous {
                ["secret": .string(secret), "scheme": scheme.map { .string($0.rawValue) } ?? .null,
                 "previous_secret": .string(previous.secret), "previous_expires_at": .double(previous.expiresAt)]
            } else {
                ["secret": .string(secret), "scheme": scheme.map { .string($0.rawValue) } ?? .null]
            }
        case .oauth2ClientCredentials(let credentials):
            ["token_url": .string(credentials.tokenURL), "client_id": .string(credentials.clientID),
             "client_secret": .string(credentials.clientSecret), "scope": credentials.scope.map(JSONValue.string) ?? .null]
        case .none: .object([:])
        }
    }

    /// Every secret string in the credential, so that logs and errors can mask them.
    public var secretValues: [String] {
        switch self {
        case .bearer(let token): [token]
        // The Authorization header carries base64("user:password"): mask that form too.
        case .basic(let username, let password): [password, Data("\(username):\(password)".utf8).base64EncodedString()]
        case .apiKey(_, let value, _): [value]
        case .hmac(let secret, _, let previous): [secret] + (previous.map { [$0.secret] } ?? [])
        case .oauth2ClientCredentials(let credentials): [credentials.clientSecret]
        case .none: []
        }
    }
}

/// A credential value that does not have the shape its auth_type needs.
public struct CredentialFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var webhook: WebhookKey
    public var field: String
    public var reason: String

    public var description: String { "credential of \(webhook): field '\(field)' \(reason)" }
}

extension String {
    /// Secrets read from files often end in a newline that is not part of the secret.
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        // `isNewline`, not a comparison with "\n": "\r\n" is a single Character in Swift.
        while let last = text.last, last.isNewline { text = text.dropLast() }
        return String(text)
    }
}
