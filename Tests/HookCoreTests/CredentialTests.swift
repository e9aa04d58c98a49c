import HookCore
import HookJSON
import Testing

@Suite("Credential")
struct CredentialTests {
    static let webhook = try! WebhookKey(code: "STRIPE_PAYMENT", direction: .outbound)

    static func parse(_ text: String, _ authType: AuthType) throws(CredentialFormatError) -> Credential {
        try Credential.parse(text, authType: authType, webhook: webhook)
    }

    /// The error `text` is refused with, when it is.
    static func refusal(_ text: String, _ authType: AuthType) -> CredentialFormatError? {
        do {
            _ = try parse(text, authType)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Plain strings

    @Test(
        "a plain string is the main field of its auth_type",
        arguments: [
            (AuthType.bearer, Credential.bearer(token: "tok-1")),
            (.basic, .basic(username: "", password: "tok-1")),
            (.apiKey, .apiKey(name: "X-Api-Key", value: "tok-1", placement: .header)),
            (.hmac, .hmac(secret: "tok-1", scheme: nil)),
        ])
    func plainStringIsTheMainField(authType: AuthType, expected: Credential) throws {
        #expect(try Self.parse("tok-1", authType) == expected)
    }

    @Test("trailing newlines from a file are not part of the secret", arguments: ["tok-1\n", "tok-1\r\n", "tok-1\n\n"])
    func trailingNewlinesTrimmed(_ text: String) throws {
        #expect(try Self.parse(text, .bearer) == .bearer(token: "tok-1"))
    }

    @Test("leading and inner whitespace is part of the secret")
    func otherWhitespaceKept() throws {
        #expect(try Self.parse(" tok 1", .bearer) == .bearer(token: " tok 1"))
    }

    @Test("an empty value is refused, naming the main field", arguments: ["", "\n"])
    func emptyValueRefused(_ text: String) {
        #expect(Self.refusal(text, .bearer)?.field == "token")
    }

    @Test("auth_type none needs no value at all")
    func noneIgnoresItsValue() throws {
        #expect(try Self.parse("", .none) == Credential.none)
    }

    // MARK: - JSON objects

    @Test("a JSON object gives every field of its auth_type")
    func jsonObjectShapes() throws {
        #expect(try Self.parse(#"{"token": "tok-1"}"#, .bearer) == .bearer(token: "tok-1"))
        #expect(try Self.parse(#"{"username": "ops", "password": "pw"}"#, .basic) == .basic(username: "ops", password: "pw"))
        #expect(try Self.parse(#"{"name": "X-Key", "value": "v", "in": "query"}"#, .apiKey) == .apiKey(name: "X-Key", value: "v", placement: .query))
        #expect(try Self.parse(#"{"secret": "whsec", "scheme": "stripe"}"#, .hmac) == .hmac(secret: "whsec", scheme: .stripe))
    }

    @Test("a JSON object with a trailing newline parses")
    func jsonObjectWithTrailingNewline() throws {
        #expect(try Self.parse("{\"token\": \"tok-1\"}\n", .bearer) == .bearer(token: "tok-1"))
    }

    @Test("an api_key without a name goes in the X-Api-Key header")
    func apiKeyDefaults() throws {
        #expect(try Self.parse(#"{"value": "v"}"#, .apiKey) == .apiKey(name: "X-Api-Key", value: "v", placement: .header))
    }

    @Test("an api_key may go in the query")
    func apiKeyInQuery() throws {
        #expect(try Self.parse(#"{"value": "v", "in": "query"}"#, .apiKey) == .apiKey(name: "X-Api-Key", value: "v", placement: .query))
    }

    @Test("an api_key placed elsewhere is refused, naming 'in'")
    func apiKeyPlacementRefused() {
        #expect(Self.refusal(#"{"value": "v", "in": "cookie"}"#, .apiKey)?.field == "in")
    }

    @Test("every known hmac scheme is accepted", arguments: SignatureScheme.allCases)
    func hmacSchemesAccepted(_ scheme: SignatureScheme) throws {
        #expect(try Self.parse(#"{"secret": "s", "scheme": "\#(scheme.rawValue)"}"#, .hmac) == .hmac(secret: "s", scheme: scheme))
    }

    @Test("an unknown hmac scheme is refused, naming 'scheme'")
    func hmacUnknownSchemeRefused() {
        #expect(Self.refusal(#"{"secret": "s", "scheme": "md5"}"#, .hmac)?.field == "scheme")
    }

    @Test(
        "a JSON object without its main field is refused, naming it",
        arguments: [
            (AuthType.bearer, #"{"access_token": "t"}"#, "token"),
            (.basic, #"{"username": "ops"}"#, "password"),
            (.apiKey, #"{"name": "X-Key"}"#, "value"),
            (.hmac, #"{"secret": ""}"#, "secret"),
        ])
    func missingMainFieldRefused(authType: AuthType, text: String, field: String) {
        #expect(Self.refusal(text, authType)?.field == field)
    }

    @Test("a field of the wrong JSON type is refused, naming it")
    func wrongFieldTypeRefused() {
        #expect(Self.refusal(#"{"token": 42}"#, .bearer)?.field == "token")
    }

    @Test("text that looks like JSON but does not parse is refused")
    func brokenJSONRefused() {
        #expect(Self.refusal(#"{"token": "tok-1""#, .bearer)?.field == "credential")
    }

    // MARK: - OAuth2

    static let oauth2Text = #"{"token_url": "https://auth.example.com/token", "client_id": "cid", "client_secret": "cs-1", "scope": "send"}"#

    @Test("oauth2 client credentials are read from a JSON object")
    func oauth2Parsed() throws {
        let expected = OAuth2ClientCredentials(tokenURL: "https://auth.example.com/token", clientID: "cid", clientSecret: "cs-1", scope: "send")
        #expect(try Self.parse(Self.oauth2Text, .oauth2ClientCredentials) == .oauth2ClientCredentials(expected))
    }

    @Test("oauth2 as a plain string is refused")
    func oauth2PlainStringRefused() {
        #expect(Self.refusal("cs-1", .oauth2ClientCredentials)?.field == "credential")
    }

    @Test(
        "oauth2 needs an http(s) token_url, a client_id and a client_secret",
        arguments: [
            (#"{"token_url": "ftp://auth.example.com/token", "client_id": "c", "client_secret": "s"}"#, "token_url"),
            (#"{"client_id": "c", "client_secret": "s"}"#, "token_url"),
            (#"{"token_url": "https://a.example/t", "client_secret": "s"}"#, "client_id"),
            (#"{"token_url": "https://a.example/t", "client_id": "c"}"#, "client_secret"),
        ])
    func oauth2FieldsRequired(text: String, field: String) {
        #expect(Self.refusal(text, .oauth2ClientCredentials)?.field == field)
    }

    // MARK: - Errors

    @Test("an error names the webhook and the field")
    func errorNamesWebhookAndField() throws {
        let error = try #require(Self.refusal(#"{"secret": "s", "scheme": "md5"}"#, .hmac))
        #expect(error.webhook == Self.webhook)
        #expect(error.description.contains("STRIPE_PAYMENT/OUT"))
        #expect(error.description.contains("'scheme'"))
    }

    @Test(
        "an error never contains the value",
        arguments: [
            (AuthType.apiKey, #"{"value": "sk_fake_9f8e7d", "in": "sk_fake_9f8e7d"}"#),
            (.hmac, #"{"secret": "sk_fake_9f8e7d", "scheme": "sk_fake_9f8e7d"}"#),
            (.bearer, #"{"token": "sk_fake_9f8e7d""#),
            (.oauth2ClientCredentials, "sk_fake_9f8e7d"),
            (.oauth2ClientCredentials, #"{"token_url": "sk_fake_9f8e7d", "client_id": "c", "client_secret": "sk_fake_9f8e7d"}"#),
        ])
    func errorNeverContainsTheValue(authType: AuthType, text: String) throws {
        let error = try #require(Self.refusal(text, authType))
        #expect(!error.description.contains("sk_fake_9f8e7d"))
        #expect(!error.reason.contains("sk_fake_9f8e7d"))
    }

    // MARK: - JSON shape and secrets

    static let shapes: [(Credential, JSONValue)] = [
        (.bearer(token: "t"), ["token": "t"]),
        (.basic(username: "u", password: "p"), ["username": "u", "password": "p"]),
        (.apiKey(name: "X-Key", value: "v", placement: .query), ["name": "X-Key", "value": "v", "in": "query"]),
        (.hmac(secret: "s", scheme: .github), ["secret": "s", "scheme": "github"]),
        (.hmac(secret: "s", scheme: nil), ["secret": "s", "scheme": .null]),
        (.hmac(secret: "s", scheme: .stripe, previous: PreviousSecret(secret: "p", expiresAt: 1_796_292_926)),
         ["secret": "s", "scheme": "stripe", "previous_secret": "p", "previous_expires_at": 1_796_292_926.0]),
        (.oauth2ClientCredentials(OAuth2ClientCredentials(tokenURL: "https://a.example/t", clientID: "c", clientSecret: "s")),
         ["token_url": "https://a.example/t", "client_id": "c", "client_secret": "s", "scope": .null]),
        (Credential.none, .object([:])),
    ]

    @Test("json is the shape credential.get returns", arguments: shapes)
    func jsonShape(credential: Credential, expected: JSONValue) {
        #expect(credential.json == expected)
    }

    @Test("json parses back to the same credential", arguments: [AuthType.bearer, .basic, .apiKey, .hmac, .oauth2ClientCredentials])
    func jsonRoundTrips(_ authType: AuthType) throws {
        let credential: Credential = switch authType {
        case .bearer: .bearer(token: "t")
        case .basic: .basic(username: "u", password: "p")
        case .apiKey: .apiKey(name: "X-Key", value: "v", placement: .query)
        case .hmac: .hmac(secret: "s", scheme: .slack)
        default: .oauth2ClientCredentials(OAuth2ClientCredentials(tokenURL: "https://a.example/t", clientID: "c", clientSecret: "s", scope: "x"))
        }
        #expect(try Self.parse(credential.json.compactText, authType) == credential)
    }

    @Test(
        "secretValues lists exactly the secret strings",
        arguments: [
            (Credential.bearer(token: "t"), ["t"]),
            (.basic(username: "u", password: "p"), ["p", "dTpw"]),  // dTpw: base64 of "u:p", as an Authorization header carries it
            (.apiKey(name: "X-Key", value: "v", placement: .header), ["v"]),
            (.hmac(secret: "s", scheme: nil), ["s"]),
            (.hmac(secret: "s", scheme: nil, previous: PreviousSecret(secret: "p", expiresAt: 0)), ["s", "p"]),
            (.oauth2ClientCredentials(OAuth2ClientCredentials(tokenURL: "https://a.example/t", clientID: "c", clientSecret: "s")), ["s"]),
            (.none, []),
        ])
    func secretValues(credential: Credential, expected: [String]) {
        #expect(credential.secretValues == expected)
    }

    // MARK: - Rotation

    @Test("an hmac credential in rotation carries its previous secret until a time given as seconds or ISO 8601")
    func rotationParses() throws {
        let expected = Credential.hmac(secret: "whsec_new", scheme: .stripe, previous: PreviousSecret(secret: "whsec_old", expiresAt: 1_796_292_926))
        for expiry in ["1796292926", "1796292926.0", #""2026-12-03T10:15:26Z""#, #""2026-12-03T11:15:26+01:00""#] {
            let text = #"{"secret": "whsec_new", "scheme": "stripe", "previous_secret": "whsec_old", "previous_expires_at": "# + expiry + "}"
            #expect(try Self.parse(text, .hmac) == expected, "\(expiry)")
        }
    }

    @Test(
        "a half-declared rotation is refused, naming the field and never the secret",
        arguments: [
            (#"{"secret": "s", "previous_secret": "sk_fake_old_5e4d"}"#, "previous_expires_at"),
            (#"{"secret": "s", "previous_secret": "sk_fake_old_5e4d", "previous_expires_at": "next week"}"#, "previous_expires_at"),
            (#"{"secret": "s", "previous_secret": "sk_fake_old_5e4d", "previous_expires_at": true}"#, "previous_expires_at"),
            (#"{"secret": "s", "previous_expires_at": 1796292926}"#, "previous_secret"),
        ])
    func halfRotationRefused(text: String, field: String) throws {
        let error = try #require(Self.refusal(text, .hmac))
        #expect(error.field == field)
        #expect(!error.description.contains("sk_fake_old_5e4d"))
    }
}
