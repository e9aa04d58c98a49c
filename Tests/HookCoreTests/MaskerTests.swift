@testable import HookCore
import HookJSON
import Testing

@Suite("Masker")
struct MaskerTests {
    let masker = Masker()

    @Test("webhook URLs whose path is the secret keep only the kind of hook", arguments: [
        ("https://hooks.slack.com/services/T0/B0/abcSecret", "https://hooks.slack.com/services/***MASKED***"),
        ("https://hooks.slack.com/workflows/T0/A0/123/abc", "https://hooks.slack.com/workflows/***MASKED***"),
        ("https://HOOKS.SLACK.COM/services/T0/B0/x?a=1", "https://HOOKS.SLACK.COM/services/***MASKED***?a=1"),
        ("https://discord.com/api/webhooks/42/tok-en_1", "https://discord.com/api/webhooks/42/***MASKED***"),
        ("https://discord.com/api/webhooks/42/tok/github", "https://discord.com/api/webhooks/42/***MASKED***"),
        ("https://example.com/api/webhooks/42", "https://example.com/api/webhooks/42"),
        ("https://example.com/services/T0/B0/x", "https://example.com/services/T0/B0/x"),
        ("/relative/api/webhooks/1/2", "/relative/api/webhooks/1/2"),
    ])
    func pathTokens(url: String, masked: String) {
        #expect(masker.maskURL(url) == masked)
    }
    let mask = JSONValue.string(Masker.mask)

    // MARK: Headers

    @Test(
        "sensitive headers are masked, whatever their case",
        arguments: [
            "Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
            "X-API-KEY", "X-Auth-Token", "X-Webhook-Secret", "X-Hub-Signature-256", "Stripe-Signature",
            "X-Shopify-Hmac-Sha256", "X-Password", "X-Goog-Api-Key", "X-Slack-Signature",
        ]
    )
    func sensitiveHeaderMasked(name: String) {
        let headers: JSONObject = [name: "s3cr3t-value", "Content-Type": "application/json"]
        let masked = masker.maskHeaders(headers)
        #expect(masked[name] == mask)
        #expect(masked["Content-Type"] == "application/json")
    }

    @Test("a fragment is found anywhere in a name, byte for byte")
    func fragmentSearch() {
        #expect(Masker.contains("x-auth-token", "token"))
        #expect(Masker.contains("token", "token"))
        #expect(Masker.contains("x-tokken-token", "token"))
        #expect(!Masker.contains("x-toke", "token"))
        #expect(!Masker.contains("", "key"))
        #expect(Masker.contains("anything", ""))
        #expect(Masker.contains("x-clé-key", "key"))
        #expect(!Masker.contains("x-request-id", "key"))
    }

    @Test("harmless headers keep their values and order")
    func harmlessHeadersKept() {
        let headers: JSONObject = [
            "Content-Type": "application/json", "Authorization": "Bearer abc", "X-Request-Id": "req-42", "Accept": "*/*",
        ]
        let masked = masker.maskHeaders(headers)
        #expect(masked.keys == ["Content-Type", "Authorization", "X-Request-Id", "Accept"])
        #expect(masked["Content-Type"] == "application/json")
        #expect(masked["X-Request-Id"] == "req-42")
        #expect(masked["Accept"] == "*/*")
        #expect(masked["Authorization"] == mask)
    }

    @Test("a sensitive header is masked whatever its type; other non-strings are kept")
    func headerValueTypes() {
        let headers: JSONObject = ["Cookie": ["a=1", "b=2"], "X-Token": 12345, "X-Retry": 3, "X-Flag": true]
        let masked = masker.maskHeaders(headers)
        #expect(masked["Cookie"] == mask)
        #expect(masked["X-Token"] == mask)
        #expect(masked["X-Retry"] == 3)
        #expect(masked["X-Flag"] == true)
    }

    @Test("configured extra header names are masked, any case")
    func extraHeaderNames() {
        let masker = Masker(extraHeaderNames: ["X-Tenant-Pin"])
        let masked = masker.maskHeaders(["x-tenant-pin": "9911", "X-Tenant": "acme"])
        #expect(masked["x-tenant-pin"] == mask)
        #expect(masked["X-Tenant"] == "acme")
    }

    @Test("URL secrets inside an ordinary header are masked")
    func urlInHeader() {
        let masked = masker.maskHeaders(["Location": "https://app.example/cb?state=xyz&access_token=tok123"])
        #expect(masked["Location"] == "https://app.example/cb?state=xyz&access_token=***MASKED***")
    }

    /// Headers as a parsed object (parsing is linear), `name(index)` to `value(index)`.
    static func parsedHeaders(count: Int, name: (Int) -> String, value: (Int) -> String) throws -> JSONObject {
        var text = "{"
        text.reserveCapacity(count * 32)
        for index in 0..<count {
            if index > 0 { text += "," }
            text += "\"\(name(index))\":\"\(value(index))\""
        }
        text += "}"
        return try #require(try JSONValue.parse(text).objectValue)
    }

    @Test("100 000 headers are masked in one pass, each in its place")
    func manyHeaders() throws {
        // Quadratic work (a scan of the result per header) would be 5 · 10⁹ key comparisons here.
        let count = 100_000
        let headers = try Self.parsedHeaders(count: count, name: { $0 % 10 == 0 ? "X-Token-\($0)" : "X-Header-\($0)" },
                                             value: { $0 % 10 == 0 ? "secret-\($0)" : "value-\($0)" })
        let masked = masker.maskHeaders(headers)
        #expect(masked.count == count)
        var misplaced: [Int] = []
        for (index, member) in masked.members.enumerated() {
            let expected = index % 10 == 0 ? ("X-Token-\(index)", mask) : ("X-Header-\(index)", JSONValue.string("value-\(index)"))
            if member.key != expected.0 || member.value != expected.1 { misplaced.append(index) }
        }
        #expect(misplaced.isEmpty, "first wrong members: \(misplaced.prefix(5))")
    }

    @Test("names that mask to the same text keep one member, in the first one's place, with the later value")
    func namesMaskedAlike() throws {
        let masker = Masker(knownSecrets: ["k-one", "k-two"])
        let headers = try Self.parsedHeaders(count: 1_000, name: { index in
            switch index {
            case 10: "X-Id-k-one"
            case 900: "X-Id-k-two"
            default: "X-Header-\(index)"
            }
        }, value: { "value-\($0)" })
        let masked = masker.maskHeaders(headers)
        #expect(masked.count == 999)
        #expect(masked.members[10].key == "X-Id-***MASKED***")
        #expect(masked.members[10].value == "value-900")
        #expect(masked.members[11].key == "X-Header-11")
    }

    // MARK: URLs

    @Test("userinfo is masked, host and path kept")
    func userinfoMasked() {
        #expect(masker.maskURL("https://user:pa55word@api.example.com/v1/hooks") == "https://***MASKED***@api.example.com/v1/hooks")
        #expect(masker.maskURL("redis://:pa55word@localhost:6379/0") == "redis://***MASKED***@localhost:6379/0")
    }

    @Test(
        "sensitive query parameters are masked",
        arguments: [
            "token", "access_token", "client_secret", "api_key", "apikey", "apiKey", "key", "password", "passwd",
            "pwd", "signature", "sig", "auth", "X-Amz-Signature", "X-Amz-Security-Token", "refresh_token",
        ]
    )
    func sensitiveQueryParameter(name: String) {
        let url = "https://api.example.com/v1/items?page=2&\(name)=hunter22&sort=desc#section-3"
        #expect(masker.maskURL(url) == "https://api.example.com/v1/items?page=2&\(name)=***MASKED***&sort=desc#section-3")
    }

    @Test("harmless parameters, encoding and the fragment are kept as they are")
    func urlOtherwiseUnchanged() {
        let url = "https://api.example.com/a%20b/search?q=hello%20world&author=ann&design=flat&monkey=1&empty=&flag#top"
        #expect(masker.maskURL(url) == url)
        #expect(masker.maskURL("/relative/path?token=abc#frag") == "/relative/path?token=***MASKED***#frag")
        #expect(masker.maskURL("https://example.com/users/@me") == "https://example.com/users/@me")
    }

    @Test("a fragment written as parameters is masked like a query")
    func oauthFragment() {
        #expect(masker.maskURL("https://app.example/cb#access_token=abc123&token_type=bearer&state=s1")
            == "https://app.example/cb#access_token=***MASKED***&token_type=***MASKED***&state=s1")
    }

    @Test("a percent-encoded parameter name is recognised")
    func encodedParameterName() {
        #expect(masker.maskURL("https://h.example/?api%5Fkey=abcd&x=1") == "https://h.example/?api%5Fkey=***MASKED***&x=1")
    }

    // MARK: Payloads

    @Test("sensitive keys are masked at any depth, inside arrays too")
    func payloadKeysAtAnyDepth() {
        let payload: JSONValue = [
            "user": "ann",
            "password": "hunter22",
            "billing": ["card_number": "4111111111111111", "cvv": 123, "zip": "10115"],
            "accounts": [["iban": "DE89370400440532013000", "label": "main"], ["ssn": "078-05-1120"]],
            "auth": ["access_token": ["nested": "value"], "refresh_token": .null, "scope": "read"],
        ]
        let masked = masker.maskPayload(payload)
        #expect(masked["user"] == "ann")
        #expect(masked["password"] == mask)
        #expect(masked["billing"]?["card_number"] == mask)
        #expect(masked["billing"]?["cvv"] == mask)
        #expect(masked["billing"]?["zip"] == "10115")
        #expect(masked["accounts"]?.arrayValue?[0]["iban"] == mask)
        #expect(masked["accounts"]?.arrayValue?[0]["label"] == "main")
        #expect(masked["accounts"]?.arrayValue?[1]["ssn"] == mask)
        #expect(masked["auth"]?["access_token"] == mask)
        #expect(masked["auth"]?["refresh_token"] == mask)
        #expect(masked["auth"]?["scope"] == "read")
        #expect(masked.objectValue?.keys == payload.objectValue?.keys)
    }

    @Test(
        "key case and separators do not matter",
        arguments: ["Api-Key", "API_KEY", "apiKey", "api key", "PASSWORD", "Client-Secret", "cardNumber", "Private_Key"]
    )
    func keyVariants(key: String) {
        let masked = masker.maskPayload(.object(JSONObject([.init(key: key, value: "value-1234")])))
        #expect(masked[key] == mask)
    }

    @Test("keys ending in a secret word are masked, look-alikes are not")
    func keySuffixes() {
        let payload: JSONValue = [
            "db_password": "p", "webhook_secret": "s", "csrf_token": "t", "stripe_api_key": "k",
            "token_type": "bearer", "max_tokens": 100, "company": "acme", "discard": false,
        ]
        let masked = masker.maskPayload(payload)
        for key in ["db_password", "webhook_secret", "csrf_token", "stripe_api_key"] {
            #expect(masked[key] == mask, "\(key)")
        }
        #expect(masked["token_type"] == "bearer")
        #expect(masked["max_tokens"] == 100)
        #expect(masked["company"] == "acme")
        #expect(masked["discard"] == false)
    }

    @Test("configured extra keys are masked, compared like the built-in ones")
    func extraKeys() {
        let masked = Masker(extraKeys: ["member_pin"]).maskPayload(["MemberPin": "4321", "member": "ann"])
        #expect(masked["MemberPin"] == mask)
        #expect(masked["member"] == "ann")
    }

    @Test(
        "Luhn-valid card numbers are masked under any key",
        arguments: ["4111 1111 1111 1111", "4111111111111111", "4111-1111-1111-1111", "378282246310005", "6011 0009 9013 9424"]
    )
    func cardNumbersMasked(card: String) {
        let masked = masker.maskPayload(["note": .string("paid with \(card) today"), "raw": .string(card)])
        #expect(masked["note"] == "paid with ***MASKED*** today")
        #expect(masked["raw"] == mask)
    }

    @Test(
        "digit runs that fail the Luhn check or are not card-sized are kept",
        arguments: ["1234 5678 9012 3456", "order 1234567890", "2026-11-29 04:15:26", "id 411111111111111100000"]
    )
    func nonCardsKept(text: String) {
        #expect(masker.maskPayload(.string(text)) == .string(text))
    }

    @Test("two cards separated by a space are both masked")
    func twoCards() {
        #expect(masker.maskText("4111111111111111 5555555555554444") == "***MASKED*** ***MASKED***")
    }

    @Test("numbers and other scalars under harmless keys are kept")
    func scalarsKept() {
        let payload: JSONValue = ["amount": 4111111111111111, "ok": true, "ratio": 0.5, "none": .null]
        #expect(masker.maskPayload(payload) == payload)
    }

    // MARK: Known secrets

    @Test("known secrets are masked inside error texts")
    func knownSecretsInText() {
        let masker = Masker(knownSecrets: ["sk_fake_abcdef123456"])
        let text = "401 from https://api.example.com: invalid key sk_fake_abcdef123456 (sk_fake_abcdef123456)"
        #expect(masker.maskText(text) == "401 from https://api.example.com: invalid key ***MASKED*** (***MASKED***)")
    }

    @Test("secrets shorter than four characters are ignored")
    func shortSecretsIgnored() {
        let masker = Masker(knownSecrets: ["abc", ""])
        #expect(masker.maskText("abcabc") == "abcabc")
    }

    @Test("overlapping secrets leave no part of either")
    func overlappingSecrets() {
        let masker = Masker(knownSecrets: ["abcd", "cdefgh"])
        #expect(masker.maskText("xxabcdefghyy") == "xx***MASKED***yy")
        #expect(!masker.maskText("abcdefgh").contains("gh"))
    }

    @Test("percent-encoded and JSON-escaped forms of a secret are masked")
    func encodedSecrets() {
        let masker = Masker(knownSecrets: ["p@ss/w\"rd"])
        #expect(masker.maskText("q=p%40ss%2Fw%22rd&x=1") == "q=***MASKED***&x=1")
        #expect(masker.maskText(#"{"v":"p@ss/w\"rd"}"#) == #"{"v":"***MASKED***"}"#)
    }

    @Test("known secrets are masked inside header and payload strings and URLs")
    func knownSecretsEverywhere() {
        let masker = Masker().adding(knownSecrets: ["tok-9f8e7d6c"])
        let headers = masker.maskHeaders(["X-Trace": "caller tok-9f8e7d6c", "Accept": ["text/plain", "tok-9f8e7d6c"]])
        #expect(headers["X-Trace"] == "caller ***MASKED***")
        #expect(headers["Accept"] == ["text/plain", "***MASKED***"])
        let payload = masker.maskPayload(["message": ["note": "use tok-9f8e7d6c"], "list": ["tok-9f8e7d6c"]])
        #expect(payload["message"]?["note"] == "use ***MASKED***")
        #expect(payload["list"] == ["***MASKED***"])
        #expect(masker.maskURL("https://h.example/p/tok-9f8e7d6c?q=1") == "https://h.example/p/***MASKED***?q=1")
    }

    @Test("adding secrets keeps the earlier ones and the configuration")
    func addingKeepsEarlier() {
        let masker = Masker(extraKeys: ["pin_code"], knownSecrets: ["first-secret"]).adding(knownSecrets: ["second-secret"])
        #expect(masker.maskText("first-secret second-secret") == "***MASKED*** ***MASKED***")
        #expect(masker.maskPayload(["pin_code": 1]) == ["pin_code": "***MASKED***"])
    }

    @Test("URLs quoted in an error text are masked")
    func urlInErrorText() {
        #expect(masker.maskText("could not connect to \"https://bob:pw123@h.example/x?api_key=k1\": timeout")
            == "could not connect to \"https://***MASKED***@h.example/x?api_key=***MASKED***\": timeout")
    }

    // MARK: Disabled

    @Test("a disabled masker returns everything unchanged")
    func disabled() {
        let masker = Masker(enabled: false, extraHeaderNames: ["X-Pin"], extraKeys: ["pin"], knownSecrets: ["hunter22"])
        let headers: JSONObject = ["Authorization": "Bearer hunter22", "X-Pin": "1"]
        let url = "https://u:hunter22@h.example/?token=hunter22#access_token=x"
        let payload: JSONValue = ["password": "hunter22", "card": "4111 1111 1111 1111"]
        #expect(masker.maskHeaders(headers) == headers)
        #expect(masker.maskURL(url) == url)
        #expect(masker.maskPayload(payload) == payload)
        #expect(masker.maskText("hunter22 4111111111111111") == "hunter22 4111111111111111")
        #expect(masker.adding(knownSecrets: ["more-secret"]).maskText("more-secret") == "more-secret")
    }
}
