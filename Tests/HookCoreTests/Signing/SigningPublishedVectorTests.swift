import HookCore
import Testing

/// Each provider's own published example, reproduced by the signer and accepted by the verifier.
@Suite("Signing: providers' published examples")
struct SigningPublishedVectorTests {
    // Standard Webhooks, github.com/standard-webhooks/standard-webhooks, libraries/go/webhook_test.go
    // `TestWebhookSign` (the same vector in the C#, Java and other libraries' tests).
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let standardID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let standardTimestamp = 1_614_265_330
    static let standardBody = SigningFixtures.bytes(#"{"test": 2432232314}"#)
    static let standardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test("Standard Webhooks: the spec's test vector is reproduced")
    func standardWebhooksSigns() throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let headers = try WebhookSigner.headers(
            scheme: .standardWebhooks, keys: SigningFixtures.only(key), messageID: Self.standardID, timestamp: Self.standardTimestamp,
            body: Self.standardBody)
        #expect(SigningFixtures.lines(headers) == [
            "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp: 1614265330", "webhook-signature: \(Self.standardSignature)",
        ])
    }

    @Test("Standard Webhooks: the spec's test vector verifies, with its id and timestamp reported")
    func standardWebhooksVerifies() throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let result = try SignatureVerifier.verify(
            scheme: .standardWebhooks, keys: SigningFixtures.only(key),
            headers: [("webhook-id", Self.standardID), ("webhook-timestamp", "1614265330"), ("webhook-signature", Self.standardSignature)],
            body: Self.standardBody, now: Double(Self.standardTimestamp) + 10)
        #expect(result == .accepted(signedWith: .current, timestamp: Self.standardTimestamp, eventID: Self.standardID))
    }

    // GitHub, docs.github.com "Validating webhook deliveries", "Testing the webhook payload validation".
    @Test("GitHub: the documented secret and payload give the documented signature, which verifies")
    func gitHub() throws {
        let key = SigningFixtures.raw("It's a Secret to Everybody")
        let body = SigningFixtures.bytes("Hello, World!")
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        let headers = try WebhookSigner.headers(scheme: .github, keys: SigningFixtures.only(key), messageID: "m", timestamp: 0, body: body)
        #expect(SigningFixtures.lines(headers) == ["X-Hub-Signature-256: \(expected)"])
        let result = try SignatureVerifier.verify(
            scheme: .github, keys: SigningFixtures.only(key), headers: [("X-Hub-Signature-256", expected)], body: body, now: 0)
        #expect(result.valid)
    }

    // Slack, api.slack.com/authentication/verifying-requests-from-slack, "A recipe for security"
    // example (its sample signing secret is not hex, so the key is built from raw bytes).
    static let slackBody = SigningFixtures.bytes(
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
            + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
            + "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    static let slackSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

    @Test("Slack: the documented request is signed and verified as documented")
    func slack() throws {
        let keys = SigningFixtures.only(SigningFixtures.raw("8f742231b10e8888abcd99yyyzzz85a5"))
        let headers = try WebhookSigner.headers(scheme: .slack, keys: keys, messageID: "m", timestamp: 1_531_420_618, body: Self.slackBody)
        #expect(SigningFixtures.lines(headers) == ["X-Slack-Request-Timestamp: 1531420618", "X-Slack-Signature: \(Self.slackSignature)"])
        let result = try SignatureVerifier.verify(
            scheme: .slack, keys: keys, headers: [("X-Slack-Request-Timestamp", "1531420618"), ("X-Slack-Signature", Self.slackSignature)],
            body: Self.slackBody, now: 1_531_420_618)
        #expect(result.valid)
        #expect(result.timestamp == 1_531_420_618)
        #expect(result.eventID == "1531420618.a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
        #expect(result.eventIDContainsSignature)
    }

    // Twilio, twilio.com/docs/usage/security "Validating signatures" example (auth token 12345),
    // also twilio-python tests/unit/test_request_validator.py.
    static let twilioKeys = SigningFixtures.only(SigningFixtures.raw("12345"))
    static let twilioURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let twilioParams = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"),
    ]

    @Test("Twilio: the documented form POST is signed as documented, whatever order the parameters come in")
    func twilioSigns() throws {
        let headers = try WebhookSigner.headers(
            scheme: .twilio, keys: Self.twilioKeys, messageID: "m", timestamp: 0, body: [], url: Self.twilioURL,
            params: Self.twilioParams.reversed())
        #expect(SigningFixtures.lines(headers) == ["X-Twilio-Signature: RSOYDt4T1cUTdK1PDd93/VVr8B8="])
    }

    // twilio-python tests/unit/test_request_validator.py: the signature with and without the
    // port, and the duplicate-parameter case.
    @Test("Twilio: the documented signatures verify, with the port added or removed as Twilio's validators allow", arguments: [
        ("https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        ("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ])
    func twilioVerifies(url: String, signature: String) throws {
        let result = try SignatureVerifier.verify(
            scheme: .twilio, keys: Self.twilioKeys, headers: [("X-Twilio-Signature", signature)], body: [], url: url,
            params: Self.twilioParams, now: 0)
        #expect(result.valid)
        #expect(result.timestamp == nil)
    }

    @Test("Twilio: a repeated parameter is signed sorted by value, as twilio-python's duplicate-parameter example")
    func twilioRepeatedParameters() throws {
        let params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
        let headers = try WebhookSigner.headers(
            scheme: .twilio, keys: Self.twilioKeys, messageID: "m", timestamp: 0, body: [], url: Self.twilioURL, params: params)
        #expect(SigningFixtures.value(headers, "X-Twilio-Signature") == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    }

    // twilio-python tests/unit/test_request_validator.py `test_validation_of_body_succeeds`.
    static let twilioJSONBody = SigningFixtures.bytes(#"{"property": "value", "boolean": true}"#)

    @Test("Twilio: a JSON body is carried as bodySHA256 in the URL and the signature covers the URL")
    func twilioJSONBody() throws {
        let url = TwilioRequest.signedURL(Self.twilioURL, jsonBody: Self.twilioJSONBody)
        #expect(url == Self.twilioURL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        let headers = try WebhookSigner.headers(scheme: .twilio, keys: Self.twilioKeys, messageID: "m", timestamp: 0, body: Self.twilioJSONBody, url: url)
        #expect(SigningFixtures.value(headers, "X-Twilio-Signature") == "a9nBmqA0ju/hNViExpshrM61xv4=")
        let result = try SignatureVerifier.verify(
            scheme: .twilio, keys: Self.twilioKeys, headers: [("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")],
            body: Self.twilioJSONBody, url: url, now: 0)
        #expect(result.valid)
    }

    @Test("Twilio: a JSON body that does not match the URL's bodySHA256 is a bad signature, though the URL's signature matches")
    func twilioJSONBodyTampered() throws {
        let url = TwilioRequest.signedURL(Self.twilioURL, jsonBody: Self.twilioJSONBody)
        let result = try SignatureVerifier.verify(
            scheme: .twilio, keys: Self.twilioKeys, headers: [("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")],
            body: SigningFixtures.bytes(#"{"property": "VALUE", "boolean": true}"#), url: url, now: 0)
        #expect(result.reason == .badSignature)
    }
}
