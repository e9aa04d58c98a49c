import Foundation
import HookClient
import HookJSON
import HookRPC
import HookRedis
import HookTestSupport
import Testing

/// Issue 13, black box: `inbound.verify` against a real hookd whose IN webhooks' hmac secrets
/// come from its environment. Signatures are each provider's published example where it gives
/// one (as in SigningPublishedVectorTests) and otherwise literals printed by Python's
/// `hmac`/`hashlib` (as in SigningIndependentVectorTests); `received_at` pins the time.
@Suite(.serialized)
struct InboundVerifyTests {
    // Body `{"id":"evt_1","object":"event"}`, t = 1700000000 (SigningIndependentVectorTests).
    static let body = #"{"id":"evt_1","object":"event"}"#
    static let timestamp = 1_700_000_000
    static let stripeSecret = "whsec_test_secret_0123456789"
    static let stripePreviousSecret = "whsec_previous_secret_abcdef"
    // hmac.new(b"whsec_test_secret_0123456789", b"1700000000." + body, hashlib.sha256).hexdigest()
    static let stripeCurrent = "0f06c232d18bc676bfacfc5240a2cfe4559e99421aacd50637b2ba2c7262e338"
    // hmac.new(b"whsec_previous_secret_abcdef", b"1700000000." + body, hashlib.sha256).hexdigest()
    static let stripePrevious = "88db13e44c59a85b9a0b2160c1515be71c03c7357f2a8e8ff7265ec5c78825de"
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let standardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let standardHeaders: JSONObject = [
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330", "webhook-signature": .string(standardSignature),
    ]
    static let standardBody = #"{"test": 2432232314}"#

    /// Every secret the tests configure: none may appear in a log line.
    static let secrets = [
        stripeSecret, stripePreviousSecret, standardSecret, "It's a Secret to Everybody", "8f742231b10e8888abcd99yyyzzz85a5",
        "shpss_example_secret_0123456789", "generic-secret-0123", "github-example-secret-0123",
    ]

    static func credential(_ secret: String, _ scheme: String, previous: String? = nil, expiresAt: JSONValue = .null) -> String {
        var object: JSONObject = ["secret": .string(secret), "scheme": .string(scheme)]
        if let previous {
            object["previous_secret"] = .string(previous)
            object["previous_expires_at"] = expiresAt
        }
        return JSONValue.object(object).compactText
    }

    /// The environment that holds each IN webhook's secret.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_STRIPE_IN"] = credential(stripeSecret, "stripe")
        environment["HOOKD_CRED_ROTATING_IN"] = credential(stripeSecret, "stripe", previous: stripePreviousSecret, expiresAt: 1_700_003_600)
        environment["HOOKD_CRED_ROTATED_IN"] = credential(stripeSecret, "stripe", previous: stripePreviousSecret, expiresAt: "2023-11-14T22:13:19Z")
        environment["HOOKD_CRED_STANDARD_IN"] = credential(standardSecret, "standard_webhooks")
        environment["HOOKD_CRED_GITHUB_IN"] = credential("It's a Secret to Everybody", "github")
        environment["HOOKD_CRED_GITHUBID_IN"] = credential("github-example-secret-0123", "github")
        environment["HOOKD_CRED_SLACK_IN"] = credential("8f742231b10e8888abcd99yyyzzz85a5", "slack")
        environment["HOOKD_CRED_SHOPIFY_IN"] = credential("shpss_example_secret_0123456789", "shopify")
        environment["HOOKD_CRED_TWILIO_IN"] = credential("12345", "twilio")
        environment["HOOKD_CRED_GENERIC_IN"] = credential("generic-secret-0123", "generic")
        environment["HOOKD_CRED_BEARER_IN"] = "tok_fake_inbound_bearer_19a2"
        return environment
    }

    /// A hookd with every IN webhook registered (each test starts its own, so replays stay apart).
    final class Setup {
        let directory: String
        let daemon: DaemonProcess

        init(directory: String? = nil, extraConfiguration: String = "", socketName: String = "hookd.sock") throws {
            let directory = try directory ?? TestEnvironment.makeTemporaryDirectory()
            self.directory = directory
            daemon = try DaemonProcess(configuration: "hookd:\n  logs_dir: \(directory)/logs-\(socketName)\n" + extraConfiguration,
                                       environment: InboundVerifyTests.environment, directory: directory, socketName: socketName)
            let client = daemon.client()
            func register(_ code: String, authType: String = "hmac", inbound: JSONObject? = nil) throws {
                var definition: JSONObject = [
                    "code": .string(code), "direction": "IN", "type": "SERVICE", "auth_type": .string(authType), "credential": ["source": "env"],
                ]
                if let inbound { definition["inbound"] = .object(inbound) }
                _ = try client.upsertWebhook(definition)
            }
            try register("STRIPE", inbound: ["tolerance_seconds": 60])
            for code in ["ROTATING", "ROTATED", "STANDARD", "GITHUB", "GITHUBID", "SLACK", "SHOPIFY", "TWILIO"] { try register(code) }
            try register("GENERIC", inbound: ["generic": ["header": "X-Signature", "prefix": "sha256="]])
            try register("BEARER", authType: "bearer")
        }

        var structuredLog: String {
            (try? String(contentsOfFile: "\(directory)/logs-\(daemon.socketPath.split(separator: "/").last ?? "")/webhooks.jsonl", encoding: .utf8)) ?? ""
        }

        func verify(_ code: String, headers: JSONObject, body: String, receivedAt: JSONValue, url: String? = nil,
                    params: JSONObject? = nil) throws -> JSONValue {
            var request: JSONObject = ["code": .string(code), "headers": .object(headers), "body": .string(body), "received_at": receivedAt]
            if let url { request["url"] = .string(url) }
            if let params { request["params"] = .object(params) }
            return try daemon.client().call("inbound.verify", params: request)
        }

        func stop() { daemon.child.stop() }
    }

    static func stripeHeader(_ signatures: String...) -> JSONObject {
        ["Stripe-Signature": .string("t=1700000000," + signatures.map { "v1=\($0)" }.joined(separator: ","))]
    }

    @Test func eachSchemeAcceptsItsProvidersExampleOrAnIndependentSignature() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let stripe = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_010)
        #expect(stripe == ["valid": true, "scheme": "stripe", "event_id": .string("1700000000.\(Self.stripeCurrent)"),
                           "timestamp": 1_700_000_000, "signed_with": "current"])
        // Standard Webhooks' spec vector; headers in another case.
        let standard = try setup.verify("STANDARD", headers: ["Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "WEBHOOK-TIMESTAMP": "1614265330",
                                                              "webhook-signature": .string(Self.standardSignature)],
                                        body: Self.standardBody, receivedAt: "2021-02-25T15:02:20Z")
        #expect(standard == ["valid": true, "scheme": "standard_webhooks", "event_id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                             "timestamp": 1_614_265_330, "signed_with": "current"])
        // GitHub's documented example (no delivery id: nothing to remember).
        let github = try setup.verify("GITHUB", headers: ["x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"],
                                      body: "Hello, World!", receivedAt: .null)
        #expect(github == ["valid": true, "scheme": "github", "signed_with": "current"])
        // The same bytes as base64 (for bodies that are not UTF-8).
        let encoded = try setup.daemon.client().call("inbound.verify", params: [
            "code": "GITHUB", "headers": ["X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"],
            "body_base64": .string(Data("Hello, World!".utf8).base64EncodedString()),
        ])
        #expect(encoded["valid"] == true, "\(encoded.compactText)")
        // Slack's documented request.
        let slackBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
            + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
            + "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        let slack = try setup.verify("SLACK", headers: [
            "X-Slack-Request-Timestamp": "1531420618", "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ], body: slackBody, receivedAt: 1_531_420_618)
        #expect(slack["valid"] == true && slack["scheme"] == "slack" && slack["timestamp"] == 1_531_420_618, "\(slack.compactText)")
        // Shopify: base64.b64encode(hmac.new(b"shpss_example_secret_0123456789", body, hashlib.sha256).digest())
        let shopify = try setup.verify("SHOPIFY", headers: ["X-Shopify-Hmac-Sha256": "yy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU=",
                                                            "X-Shopify-Webhook-Id": "b54557e4"], body: Self.body, receivedAt: .null)
        #expect(shopify == ["valid": true, "scheme": "shopify", "event_id": "b54557e4", "signed_with": "current"])
        // Twilio's documented form POST, parameters in any order.
        let twilio = try setup.verify("TWILIO", headers: ["X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="], body: "", receivedAt: .null,
                                      url: "https://mycompany.com/myapp.php?foo=1&bar=2",
                                      params: ["To": "+18005551212", "CallSid": "CA1234567890ABCDE", "Caller": "+14158675309",
                                               "Digits": "1234", "From": "+14158675309"])
        #expect(twilio == ["valid": true, "scheme": "twilio", "signed_with": "current"])
        // twilio-python's duplicate-parameter example: a repeated name is an array, signed sorted by value.
        let repeated = try setup.verify("TWILIO", headers: ["X-Twilio-Signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU="], body: "", receivedAt: .null,
                                        url: "https://mycompany.com/myapp.php?foo=1&bar=2",
                                        params: ["Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"]])
        #expect(repeated["valid"] == true, "\(repeated.compactText)")
        // Twilio's documented JSON body: bodySHA256 in the URL (twilio-python test_validation_of_body_succeeds).
        let twilioJSON = try setup.verify(
            "TWILIO", headers: ["X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4="], body: #"{"property": "value", "boolean": true}"#,
            receivedAt: .null,
            url: "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        #expect(twilioJSON["valid"] == true, "\(twilioJSON.compactText)")
        // generic: "sha256=" + hmac.new(b"generic-secret-0123", body, hashlib.sha256).hexdigest()
        let generic = try setup.verify("GENERIC", headers: ["X-Signature": "sha256=f63343daf156f1addbff82108602fe33a23258ed514ae2c5835da8136f5ff709"],
                                       body: Self.body, receivedAt: .null)
        #expect(generic == ["valid": true, "scheme": "generic", "signed_with": "current"])
    }

    @Test func aTamperedBodyOrHeaderIsARefusalNotAnError() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let tamperedBody = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body + " ", receivedAt: 1_700_000_000)
        #expect(tamperedBody["valid"] == false && tamperedBody["reason"] == "bad_signature" && tamperedBody["signed_with"] == nil)
        let tamperedTimestamp = try setup.verify("STRIPE", headers: ["Stripe-Signature": .string("t=1700000001,v1=\(Self.stripeCurrent)")],
                                                 body: Self.body, receivedAt: 1_700_000_000)
        #expect(tamperedTimestamp["reason"] == "bad_signature")
        var headers = Self.standardHeaders
        headers["webhook-id"] = "msg_other"
        #expect(try setup.verify("STANDARD", headers: headers, body: Self.standardBody, receivedAt: 1_614_265_330)["reason"] == "bad_signature")
        #expect(try setup.verify("SHOPIFY", headers: ["X-Shopify-Hmac-Sha256": "zy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU="],
                                 body: Self.body, receivedAt: .null)["reason"] == "bad_signature")
        #expect(try setup.verify("GITHUB", headers: [:], body: "Hello, World!", receivedAt: .null)["reason"] == "missing_signature")
        #expect(try setup.verify("GITHUB", headers: ["X-Hub-Signature-256": "sha1=abc"], body: "Hello, World!", receivedAt: .null)["reason"]
            == "malformed_signature")
        let twilio = try setup.verify("TWILIO", headers: ["X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="], body: "", receivedAt: .null,
                                      url: "https://mycompany.com/myapp.php?foo=1&bar=2",
                                      params: ["To": "+18005551213", "CallSid": "CA1234567890ABCDE", "Caller": "+14158675309",
                                               "Digits": "1234", "From": "+14158675309"])
        #expect(twilio["reason"] == "bad_signature")
        #expect(try setup.verify("NOSUCH", headers: [:], body: "", receivedAt: .null) == ["valid": false, "scheme": .null, "reason": "unknown_webhook"])
        #expect(try setup.verify("BEARER", headers: [:], body: "", receivedAt: .null) == ["valid": false, "scheme": .null, "reason": "no_secret"])
    }

    @Test func aTimestampOutsideTheWebhooksToleranceIsRefusedBothWays() throws {
        let setup = try Setup()
        defer { setup.stop() }
        // STRIPE's own tolerance is 60 s.
        for receivedAt in [1_700_000_061, 1_699_999_939] {
            let result = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: .integer(Int64(receivedAt)))
            #expect(result["valid"] == false && result["reason"] == "timestamp_out_of_tolerance", "\(receivedAt): \(result.compactText)")
        }
        // STANDARD has the default 300 s.
        for receivedAt in [1_614_265_631, 1_614_265_029] {
            let result = try setup.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: .integer(Int64(receivedAt)))
            #expect(result["reason"] == "timestamp_out_of_tolerance", "\(receivedAt): \(result.compactText)")
        }
        #expect(try setup.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_030)["valid"] == true)
        #expect(try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_060)["valid"] == true)
    }

    @Test func anyOfSeveralSignaturesMayMatchAndRotationReportsThePreviousSecretUntilItExpires() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let several = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripePrevious, Self.stripeCurrent), body: Self.body,
                                       receivedAt: 1_700_000_000)
        #expect(several["valid"] == true && several["signed_with"] == "current", "\(several.compactText)")
        let previous = try setup.verify("ROTATING", headers: Self.stripeHeader(Self.stripePrevious), body: Self.body, receivedAt: 1_700_000_000)
        #expect(previous["valid"] == true && previous["signed_with"] == "previous", "\(previous.compactText)")
        let current = try setup.verify("ROTATING", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_000)
        #expect(current["signed_with"] == "current")
        // ROTATED's previous secret expired (ISO 8601) a second before the request.
        let expired = try setup.verify("ROTATED", headers: Self.stripeHeader(Self.stripePrevious), body: Self.body, receivedAt: 1_700_000_000)
        #expect(expired["valid"] == false && expired["reason"] == "bad_signature", "\(expired.compactText)")
        #expect(try setup.verify("ROTATED", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_000)["valid"] == true)
    }

    @Test func aSecondValidRequestWithTheSameEventIDIsAReplayOnOneHost() throws {
        let setup = try Setup()
        defer { setup.stop() }
        #expect(try setup.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_330)["valid"] == true)
        let again = try setup.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_331)
        #expect(again["valid"] == false && again["reason"] == "replayed" && again["event_id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek")
        // GitHub: X-GitHub-Delivery is the id; hmac.new(b"github-example-secret-0123", body, hashlib.sha256).hexdigest()
        let github: JSONObject = ["X-Hub-Signature-256": "sha256=0f29fb0cc578e5a8aa363b33bd010c903cab9822b786d41d8bf2401112906778",
                                  "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"]
        #expect(try setup.verify("GITHUBID", headers: github, body: Self.body, receivedAt: .null)["valid"] == true)
        #expect(try setup.verify("GITHUBID", headers: github, body: Self.body, receivedAt: .null)["reason"] == "replayed")
        // An invalid request is not remembered: the genuine one after it is still first.
        let stripeForged = Self.stripeHeader(String(repeating: "0", count: 64))
        #expect(try setup.verify("STRIPE", headers: stripeForged, body: Self.body, receivedAt: 1_700_000_000)["reason"] == "bad_signature")
        #expect(try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_000)["valid"] == true)
        #expect(try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_001)["reason"] == "replayed")
    }

    @Test func aReplayToAnotherHookdSharingTheRedisIsCaught() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let redis = try RedisServer(directory: directory)
        defer { redis.child.stop() }
        let first = try Setup(directory: directory, extraConfiguration: redis.configuration, socketName: "first.sock")
        defer { first.stop() }
        let second = try Setup(directory: directory, extraConfiguration: redis.configuration, socketName: "second.sock")
        defer { second.stop() }
        #expect(try first.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_330)["valid"] == true)
        let replayed = try second.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_330)
        #expect(replayed["valid"] == false && replayed["reason"] == "replayed", "\(replayed.compactText)")
        guard case .array(let keys) = try redis.connection().command("KEYS", "*inbound-replay*") else {
            Issue.record("KEYS failed")
            return
        }
        #expect(keys.count == 1)
        let names = keys.compactMap { reply -> String? in
            if case .bulk(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
        #expect(names.allSatisfy { !$0.contains("msg_p5jXN8AQM9LWM0D4loKWxJek") }, "Redis keeps a hash of the id: \(names)")
        // Redis gone: each host still refuses its own replays.
        redis.child.stop()
        #expect(try second.verify("GITHUBID", headers: ["X-Hub-Signature-256": "sha256=0f29fb0cc578e5a8aa363b33bd010c903cab9822b786d41d8bf2401112906778",
                                                        "X-GitHub-Delivery": "d-1"], body: Self.body, receivedAt: .null)["valid"] == true)
        #expect(try second.verify("GITHUBID", headers: ["X-Hub-Signature-256": "sha256=0f29fb0cc578e5a8aa363b33bd010c903cab9822b786d41d8bf2401112906778",
                                                        "X-GitHub-Delivery": "d-1"], body: Self.body, receivedAt: .null)["reason"] == "replayed")
        #expect(second.daemon.child.output.contains("replay protection across hosts unavailable"), "Redis down is logged")
    }

    @Test("bad params are -32602 naming the parameter", arguments: [
        (["code": "STRIPE", "body": "x"] as JSONObject, "headers"),
        (["code": "STRIPE", "headers": [:]] as JSONObject, "body"),
        (["code": "STRIPE", "headers": [:], "body": "x", "body_base64": "eA=="] as JSONObject, "body_base64"),
        (["code": "STRIPE", "headers": [:], "body_base64": "not base64!"] as JSONObject, "body_base64"),
        (["code": "STRIPE", "headers": ["X-A": 1], "body": "x"] as JSONObject, "headers.X-A"),
        (["code": "STRIPE", "headers": [:], "body": "x", "received_at": "yesterday"] as JSONObject, "received_at"),
        (["code": "stripe lower", "headers": [:], "body": "x"] as JSONObject, "code"),
        (["code": "STRIPE", "headers": [:], "body": "x", "params": ["a": 1]] as JSONObject, "params.a"),
        (["code": "TWILIO", "headers": ["X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="], "body": ""] as JSONObject, "url"),
    ])
    func badParams(params: JSONObject, parameter: String) throws {
        let setup = try Setup()
        defer { setup.stop() }
        let error = rpcError { try setup.daemon.client().call("inbound.verify", params: params) }
        #expect(error?.code == -32602, "\(String(describing: error))")
        #expect(error?.details["parameter"] == .string(parameter), "\(String(describing: error))")
    }

    @Test func badInboundSettingsAreRefusedNamingTheFieldAndWebhookGetShowsThem() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let error = rpcError {
            try setup.daemon.client().upsertWebhook(["code": "BAD", "direction": "IN", "type": "SERVICE", "auth_type": "hmac",
                                                     "inbound": ["tolerance_seconds": -1]])
        }
        #expect(error?.code == -32602 && error?.details["parameter"] == "inbound.tolerance_seconds", "\(String(describing: error))")
        let outbound = rpcError {
            try setup.daemon.client().upsertWebhook(["code": "BAD", "type": "SERVICE", "auth_type": "hmac", "inbound": ["tolerance_seconds": 10]])
        }
        #expect(outbound?.details["parameter"] == "inbound")
        let shown = try setup.daemon.client().call("webhook.get", params: ["code": "STRIPE", "direction": "IN"])
        #expect(shown["inbound"] == ["tolerance_seconds": 60.0])
        let generic = try setup.daemon.client().call("webhook.get", params: ["code": "GENERIC", "direction": "IN"])
        #expect(generic["inbound"]?["generic"]?["header"] == "X-Signature")
    }

    @Test func everyVerificationIsALoggedOutcomeWithNoSecretNoSignatureAndAHashedSignatureID() throws {
        let setup = try Setup()
        defer { setup.stop() }
        _ = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripeCurrent), body: Self.body, receivedAt: 1_700_000_000)
        _ = try setup.verify("STRIPE", headers: Self.stripeHeader(Self.stripePrevious), body: Self.body, receivedAt: 1_700_000_000)
        _ = try setup.verify("STANDARD", headers: Self.standardHeaders, body: Self.standardBody, receivedAt: 1_614_265_330)
        // A flood of bad signatures counts as auth failures for that webhook.
        for _ in 0..<5 {
            _ = try setup.verify("SHOPIFY", headers: ["X-Shopify-Hmac-Sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="], body: Self.body, receivedAt: .null)
        }
        var lines: [JSONValue] = []
        let ready = TestEnvironment.wait(seconds: 5) {
            lines = setup.structuredLog.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
                .filter { $0["event"] == "webhook_inbound" }
            return lines.count >= 8
        }
        #expect(ready, "8 webhook_inbound lines: \(lines.count)")
        let stripe = lines.filter { $0["webhook_code"] == "STRIPE" }
        #expect(stripe.first?["valid"] == true && stripe.first?["event_id"] == nil && stripe.first?["event_id_sha256"]?.stringValue?.count == 64)
        #expect(stripe.last?["reason"] == "bad_signature")
        #expect(lines.contains { $0["webhook_code"] == "STANDARD" && $0["event_id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek" })
        let everything = setup.structuredLog + setup.daemon.child.output
        for secret in Self.secrets + [Self.stripeCurrent, Self.stripePrevious, Self.standardSignature, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] {
            #expect(!everything.contains(secret), "a log carries \(secret.prefix(6))…")
        }
        let metrics = try setup.daemon.client().call("alert.metrics", params: ["webhook_code": "SHOPIFY"])
        #expect(metrics["auth_failures"] == 5, "\(metrics.compactText)")
    }

    // GitHub's published example: secret "It's a Secret to Everybody", body "Hello, World!".
    static let githubExample = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func theSwiftClientSendsAnyBytesAndReadsTheVerdict() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let client = setup.daemon.client()
        let example = try client.verifyInbound(code: "GITHUB", headers: [("X-Hub-Signature-256", Self.githubExample)], body: Array("Hello, World!".utf8))
        #expect(example.valid && example.scheme == "github" && example.signedWith == "current" && example.reason == nil)
        // Not UTF-8, so it goes as body_base64: hmac.new(b"It's a Secret to Everybody", b"\xff\xfe\x00binary", hashlib.sha256).hexdigest()
        let binary: [UInt8] = [0xFF, 0xFE, 0x00] + Array("binary".utf8)
        let signature = "sha256=5710f02483cb88293d6b64b120e4e13455621824ab7711188e752deda4579321"
        #expect(try client.verifyInbound(code: "GITHUB", headers: [("x-hub-signature-256", signature)], body: binary).valid)
        let tampered = try client.verifyInbound(code: "GITHUB", headers: [("X-Hub-Signature-256", signature)], body: binary + [0])
        #expect(!tampered.valid && tampered.reason == "bad_signature" && tampered.scheme == "github")
        let stripe = try client.verifyInbound(code: "STRIPE", headers: [("Stripe-Signature", "t=1700000000,v1=\(Self.stripeCurrent)")],
                                              body: Array(Self.body.utf8), receivedAt: 1_700_000_001)
        #expect(stripe.valid && stripe.timestamp == 1_700_000_000 && stripe.eventID == "1700000000.\(Self.stripeCurrent)")
        let twilio = try client.verifyInbound(
            code: "TWILIO", headers: [("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")], body: [],
            url: "https://mycompany.com/myapp.php?foo=1&bar=2",
            params: [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212")])
        #expect(twilio.valid, "twilio's published example")
        // A name given twice goes as one array (twilio-python's duplicate-parameter example).
        let repeated = try client.verifyInbound(
            code: "TWILIO", headers: [("X-Twilio-Signature", "IK+Dwps556ElfBT0I3Rgjkr1wJU=")], body: [], url: "https://mycompany.com/myapp.php?foo=1&bar=2",
            params: [("Sid", "CA123"), ("Digits", "5678"), ("SidAccount", "AC123"), ("Digits", "1234")])
        #expect(repeated.valid)
        #expect(try client.verifyInbound(code: "NOSUCH", headers: [], body: []).reason == "unknown_webhook")
        #expect(throws: HookClientError.self) { try client.verifyInbound(code: "bad code", headers: [], body: []) }
    }

    @Test func hookrpcVerifyExitsZeroForAValidRequestAndOneForAnInvalidOne() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let bodyPath = "\(setup.directory)/body.txt"
        try Data("Hello, World!".utf8).write(to: URL(fileURLWithPath: bodyPath))
        func hookrpc(_ arguments: [String]) throws -> (status: Int32?, output: String) {
            let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: arguments + ["--socket", setup.daemon.socketPath],
                                         outputPath: "\(setup.directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
            return (child.waitForExit(seconds: 15), child.output)
        }
        let valid = try hookrpc(["verify", "GITHUB", "--header", "X-Hub-Signature-256: \(Self.githubExample)", "--body", "@\(bodyPath)"])
        #expect(valid.status == 0 && valid.output.contains("valid (github, signed with the current secret)"), "\(valid)")
        let tampered = try hookrpc(["verify", "GITHUB", "--header", "X-Hub-Signature-256: \(Self.githubExample)", "--body", "Hello, World?"])
        #expect(tampered.status == 1 && tampered.output.contains("invalid: bad_signature (github)"), "\(tampered)")
        let json = try hookrpc(["verify", "STRIPE", "--header", "Stripe-Signature: t=1700000000,v1=\(Self.stripeCurrent)", "--body", Self.body,
                                "--received-at", "2023-11-14T22:13:30Z", "--json"])
        let verdict = try JSONValue.parse(json.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json.status == 0 && verdict["valid"] == true && verdict["timestamp"] == 1_700_000_000, "\(json)")
        let late = try hookrpc(["verify", "STRIPE", "--header", "Stripe-Signature: t=1700000000,v1=\(Self.stripeCurrent)", "--body", Self.body,
                                "--received-at", "1700000061"])
        #expect(late.status == 1 && late.output.contains("timestamp_out_of_tolerance"), "\(late)")
        // A caller's mistakes: nothing is sent, and the message says what is wrong.
        let noColon = try hookrpc(["verify", "GITHUB", "--header", "X-Hub-Signature-256", "--body", "x"])
        #expect(noColon.status != 0 && noColon.status != 1 && noColon.output.contains("'Name: value'"), "\(noColon)")
        let badTime = try hookrpc(["verify", "GITHUB", "--body", "x", "--received-at", "yesterday"])
        #expect(badTime.status != 0 && badTime.status != 1 && badTime.output.contains("--received-at"), "\(badTime)")
        let missing = try hookrpc(["verify", "GITHUB", "--body", "@\(setup.directory)/no-such-file"])
        #expect(missing.status != 0 && missing.status != 1 && missing.output.contains("cannot read"), "\(missing)")
    }

    @Test func aChangedDefinitionAppliesAtOnceThoughDefinitionsAreKeptInMemory() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let client = setup.daemon.client()
        let headers = [(name: "X-Hub-Signature-256", value: Self.githubExample)]
        // The second call is answered from memory (definition and secret), on the event loop.
        for _ in 0..<2 { #expect(try client.verifyInbound(code: "GITHUB", headers: headers, body: Array("Hello, World!".utf8)).valid) }
        #expect(try client.deleteWebhook(code: "GITHUB", direction: "IN"))
        #expect(try client.verifyInbound(code: "GITHUB", headers: headers, body: Array("Hello, World!".utf8)).reason == "unknown_webhook")
        _ = try client.upsertWebhook(["code": "GITHUB", "direction": "IN", "type": "SERVICE", "auth_type": "bearer", "credential": ["source": "env"]])
        #expect(try client.verifyInbound(code: "GITHUB", headers: headers, body: Array("Hello, World!".utf8)).reason == "no_secret")
    }
}
