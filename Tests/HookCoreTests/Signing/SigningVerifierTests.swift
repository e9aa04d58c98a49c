import HookCore
import Testing

/// How the verifier treats requests that are not exactly as signed.
@Suite("Signing: SignatureVerifier")
struct SigningVerifierTests {
    static let schemes = SignatureScheme.allCases
    /// The schemes whose signature covers a timestamp (generic when configured with one).
    static let timestamped: [SignatureScheme] = [.standardWebhooks, .stripe, .slack]

    // MARK: - Tampering

    @Test("a changed body is a bad signature", arguments: schemes)
    func tamperedBody(scheme: SignatureScheme) throws {
        var request = try SignedRequest.make(scheme)
        request.body = SigningFixtures.bytes(#"{"event":"order.paid","amount":9999}"#)
        #expect(try request.verify().reason == .badSignature)
    }

    @Test("a body with one more trailing byte is a bad signature", arguments: schemes)
    func extendedBody(scheme: SignatureScheme) throws {
        var request = try SignedRequest.make(scheme)
        request.body += [0x0A]
        #expect(try request.verify().reason == .badSignature)
    }

    @Test("a well-formed signature made with another key is a bad signature", arguments: schemes)
    func otherKey(scheme: SignatureScheme) throws {
        let request = try SignedRequest.make(scheme)
        let other = SigningKeys(current: SigningKey(bytes: request.keys.current.bytes + [0x21]))
        let result = try request.verify(keys: other)
        #expect(result.reason == .badSignature)
        #expect(result.signedWith == nil)
    }

    @Test("a signature header with one character changed (still well-formed) is a bad signature", arguments: schemes)
    func tamperedSignature(scheme: SignatureScheme) throws {
        let request = try SignedRequest.make(scheme)
        var value = Array(request.value(request.signatureHeader).utf8)
        // Ten characters from the end is inside the encoded signature for every scheme, and carries
        // whole bits there; "a" and "b" are both hex and base64 (hex is read in either case, so
        // changing the letter's case would not do).
        let index = value.count - 10
        value[index] = value[index] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        let tampered = request.replacing(request.signatureHeader, with: String(decoding: value, as: UTF8.self))
        #expect(try tampered.verify().reason == .badSignature)
    }

    @Test("a changed timestamp header is a bad signature (the timestamp is signed)", arguments: timestamped)
    func tamperedTimestamp(scheme: SignatureScheme) throws {
        let request = try SignedRequest.make(scheme)
        let tampered: SignedRequest
        switch scheme {
        case .stripe:
            let value = request.value(SignatureHeader.stripeSignature).replacingFirst("t=1700000000", with: "t=1700000001")
            tampered = request.replacing(SignatureHeader.stripeSignature, with: value)
        case .slack: tampered = request.replacing(SignatureHeader.slackTimestamp, with: "1700000001")
        default: tampered = request.replacing(SignatureHeader.webhookTimestamp, with: "1700000001")
        }
        let result = try tampered.verify()
        #expect(result.reason == .badSignature)
        #expect(result.timestamp == 1_700_000_001)
    }

    @Test("Standard Webhooks: a changed webhook-id is a bad signature (the id is signed)")
    func tamperedMessageID() throws {
        let tampered = try SignedRequest.make(.standardWebhooks).replacing(SignatureHeader.webhookID, with: "msg_other")
        let result = try tampered.verify()
        #expect(result.reason == .badSignature)
        #expect(result.eventID == "msg_other")
    }

    @Test("Twilio: a changed URL or form parameter is a bad signature")
    func tamperedTwilio() throws {
        var request = try SignedRequest.make(.twilio, params: [("From", "+14155550100"), ("Body", "hello")])
        #expect(try request.verify().valid)
        request.params = [("From", "+14155550100"), ("Body", "hellO")]
        #expect(try request.verify().reason == .badSignature)
        request.params = [("From", "+14155550100"), ("Body", "hello")]
        request.url = SignedRequest.url + "&x=1"
        #expect(try request.verify().reason == .badSignature)
    }

    // MARK: - Timestamp tolerance

    @Test("a timestamp exactly the tolerance old or ahead is accepted", arguments: timestamped, [-300.0, 300.0])
    func toleranceEdgeAccepted(scheme: SignatureScheme, offset: Double) throws {
        let request = try SignedRequest.make(scheme)
        #expect(try request.verify(now: Double(SignedRequest.timestamp) + offset).valid)
    }

    @Test("a timestamp just beyond the tolerance, old or ahead, is out of tolerance", arguments: timestamped, [-300.5, -301.0, 300.5, 301.0])
    func toleranceEdgeRefused(scheme: SignatureScheme, offset: Double) throws {
        let request = try SignedRequest.make(scheme)
        let result = try request.verify(now: Double(SignedRequest.timestamp) + offset)
        #expect(result.reason == .timestampOutOfTolerance)
        #expect(result.timestamp == SignedRequest.timestamp)
        #expect(result.signedWith == nil)
    }

    @Test("the tolerance is the caller's: 60 s refuses what 300 s accepts")
    func customTolerance() throws {
        let request = try SignedRequest.make(.stripe)
        let now = Double(SignedRequest.timestamp) + 120
        #expect(try request.verify(now: now).valid)
        #expect(try request.verify(now: now, tolerance: 60).reason == .timestampOutOfTolerance)
    }

    @Test("a forged request with a stale timestamp is a bad signature, not out of tolerance")
    func forgedAndStale() throws {
        var request = try SignedRequest.make(.slack)
        request.body = SigningFixtures.bytes("forged")
        #expect(try request.verify(now: Double(SignedRequest.timestamp) + 3600).reason == .badSignature)
    }

    @Test("generic with a timestamp header applies the tolerance; without one there is none")
    func genericTolerance() throws {
        let timed = try SignedRequest.make(.generic, generic: GenericSignatureSettings(header: "X-Sig", timestampHeader: "X-Time"))
        #expect(try timed.verify(now: Double(SignedRequest.timestamp) + 300).valid)
        #expect(try timed.verify(now: Double(SignedRequest.timestamp) + 301).reason == .timestampOutOfTolerance)
        let untimed = try SignedRequest.make(.generic)
        let result = try untimed.verify(now: Double(SignedRequest.timestamp) + 86_400)
        #expect(result.valid)
        #expect(result.timestamp == nil)
    }

    @Test("GitHub, Shopify and Twilio carry no timestamp, so a day later still verifies", arguments: [SignatureScheme.github, .shopify, .twilio])
    func noTimestamp(scheme: SignatureScheme) throws {
        let result = try SignedRequest.make(scheme).verify(now: Double(SignedRequest.timestamp) + 86_400)
        #expect(result.valid)
        #expect(result.timestamp == nil)
    }

    // MARK: - Several signatures

    @Test("Stripe: any v1 may match; v0 and unknown schemes are ignored")
    func stripeSeveralSignatures() throws {
        let request = try SignedRequest.make(.stripe)
        let good = request.value(SignatureHeader.stripeSignature).split(separator: ",")[1]
        let wrong = "v1=" + String(repeating: "ab", count: 32)
        let header = "t=1700000000,v0=" + String(repeating: "cd", count: 32) + ",\(wrong),\(good),v2=whatever"
        let result = try request.replacing(SignatureHeader.stripeSignature, with: header).verify()
        #expect(result.valid)
        #expect(result.eventID == "1700000000." + String(repeating: "ab", count: 32), "the event id uses the first v1")
    }

    @Test("Stripe: a matching signature only under v0 is not accepted")
    func stripeV0Only() throws {
        let request = try SignedRequest.make(.stripe)
        let header = request.value(SignatureHeader.stripeSignature).replacingFirst("v1=", with: "v0=")
        #expect(try request.replacing(SignatureHeader.stripeSignature, with: header).verify().reason == .malformedSignature)
    }

    @Test("Standard Webhooks: any v1 entry may match; v1a and unreadable entries are skipped")
    func standardWebhooksSeveralSignatures() throws {
        let request = try SignedRequest.make(.standardWebhooks)
        let good = request.value(SignatureHeader.webhookSignature)
        let wrong = "v1," + String(repeating: "A", count: 43) + "="
        let header = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== v1,@@@ \(wrong)  \(good)"
        #expect(try request.replacing(SignatureHeader.webhookSignature, with: header).verify().valid)
        #expect(try request.replacing(SignatureHeader.webhookSignature, with: "\(wrong) \(wrong)").verify().reason == .badSignature)
    }

    // MARK: - Rotation

    @Test("a signature made with the previous key is valid before its expiry and reported as previous", arguments: schemes)
    func previousKeyBeforeExpiry(scheme: SignatureScheme) throws {
        let rotating = try SignedRequest.keys(scheme, previousExpiresAt: Double(SignedRequest.timestamp) + 60)
        let previousOnly = SigningKeys(current: try #require(rotating.previous?.key))
        let request = try SignedRequest.make(scheme, keys: previousOnly)
        let result = try request.verify(keys: rotating)
        #expect(result.valid)
        #expect(result.signedWith == .previous)
    }

    @Test("a signature made with the previous key is a bad signature at and after its expiry", arguments: schemes, [0.0, 1.0])
    func previousKeyAfterExpiry(scheme: SignatureScheme, afterExpiry: Double) throws {
        let expiry = Double(SignedRequest.timestamp) + 60
        let rotating = try SignedRequest.keys(scheme, previousExpiresAt: expiry)
        let previousOnly = SigningKeys(current: try #require(rotating.previous?.key))
        let request = try SignedRequest.make(scheme, keys: previousOnly)
        let result = try request.verify(now: expiry + afterExpiry, keys: rotating)
        #expect(result.reason == .badSignature)
    }

    @Test("during a rotation the current key's signature is reported as current", arguments: schemes)
    func currentKeyDuringRotation(scheme: SignatureScheme) throws {
        let rotating = try SignedRequest.keys(scheme, previousExpiresAt: Double(SignedRequest.timestamp) + 60)
        let result = try SignedRequest.make(scheme, keys: rotating).verify()
        #expect(result.signedWith == .current)
    }

    @Test("a rotating sender's double signature still verifies at a receiver that knows only one of the keys",
          arguments: [SignatureScheme.standardWebhooks, .stripe])
    func doubleSignatureAtEitherReceiver(scheme: SignatureScheme) throws {
        let rotating = try SignedRequest.keys(scheme, previousExpiresAt: Double(SignedRequest.timestamp) + 60)
        let request = try SignedRequest.make(scheme, keys: rotating)
        let previous = try #require(rotating.previous?.key)
        #expect(try request.verify(keys: SigningKeys(current: rotating.current)).valid)
        #expect(try request.verify(keys: SigningKeys(current: previous)).valid)
    }

    // MARK: - Header names and values

    @Test("header names match in any letter case", arguments: schemes, [true, false])
    func caseInsensitiveNames(scheme: SignatureScheme, upper: Bool) throws {
        var request = try SignedRequest.make(scheme)
        request.headers = request.headers.map { (name: upper ? $0.name.uppercased() : $0.name.lowercased(), value: $0.value) }
        #expect(try request.verify().valid)
    }

    @Test("surrounding spaces in a header value are ignored; the first of a repeated header counts")
    func headerValueHandling() throws {
        var request = try SignedRequest.make(.github)
        let value = request.value(SignatureHeader.gitHubSignature)
        request.headers = [(name: "x-hub-signature-256", value: "  \(value)\t"), (name: "X-Hub-Signature-256", value: "sha256=00")]
        #expect(try request.verify().valid)
    }

    // MARK: - Malformed and missing

    static let malformed: [(SignatureScheme, String, String)] = [
        (.stripe, SignatureHeader.stripeSignature, "v1=" + String(repeating: "ab", count: 32)),
        (.stripe, SignatureHeader.stripeSignature, "t=1700000000"),
        (.stripe, SignatureHeader.stripeSignature, "t=soon,v1=" + String(repeating: "ab", count: 32)),
        (.stripe, SignatureHeader.stripeSignature, "t=1700000000,v1=xyz"),
        (.stripe, SignatureHeader.stripeSignature, "t=1700000000,v1=abcd"),
        (.stripe, SignatureHeader.stripeSignature, "garbage"),
        (.github, SignatureHeader.gitHubSignature, String(repeating: "ab", count: 32)),
        (.github, SignatureHeader.gitHubSignature, "sha1=" + String(repeating: "ab", count: 20)),
        (.github, SignatureHeader.gitHubSignature, "sha256=" + String(repeating: "ab", count: 31) + "a"),
        (.github, SignatureHeader.gitHubSignature, "sha256=" + String(repeating: "zz", count: 32)),
        (.slack, SignatureHeader.slackSignature, "v1=" + String(repeating: "ab", count: 32)),
        (.slack, SignatureHeader.slackSignature, "v0=" + String(repeating: "g", count: 64)),
        (.slack, SignatureHeader.slackTimestamp, "17e8"),
        (.slack, SignatureHeader.slackTimestamp, "-1700000000"),
        (.shopify, SignatureHeader.shopifySignature, "not base64!"),
        (.shopify, SignatureHeader.shopifySignature, "c2hvcnQ="),
        (.shopify, SignatureHeader.shopifySignature, "yy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU"),
        (.twilio, SignatureHeader.twilioSignature, "RSOYDt4T1cUTdK1PDd93/VVr8B8"),
        (.twilio, SignatureHeader.twilioSignature, "yy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU="),
        (.standardWebhooks, SignatureHeader.webhookSignature, "v1,not-base64"),
        (.standardWebhooks, SignatureHeader.webhookSignature, "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="),
        (.standardWebhooks, SignatureHeader.webhookSignature, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        (.standardWebhooks, SignatureHeader.webhookTimestamp, "1700000000.5"),
        (.generic, "X-Signature", String(repeating: "ab", count: 32)),
        (.generic, "X-Signature", "sha256=" + String(repeating: "ab", count: 20)),
        (.generic, "X-Signature", "sha256=Ob8="),
    ]

    @Test("an unreadable header is a malformed signature", arguments: malformed)
    func malformedHeaders(scheme: SignatureScheme, header: String, value: String) throws {
        let result = try SignedRequest.make(scheme).replacing(header, with: value).verify()
        #expect(result.reason == .malformedSignature)
        #expect(!result.valid)
    }

    @Test("Twilio: a bodySHA256 that is not a SHA-256 in hex is a malformed signature")
    func twilioMalformedBodyHash() throws {
        var request = try SignedRequest.make(.twilio)
        request.url = SignedRequest.url + "&bodySHA256=xyz"
        #expect(try request.verify().reason == .malformedSignature)
    }

    @Test("no headers at all is a missing signature", arguments: schemes)
    func noHeaders(scheme: SignatureScheme) throws {
        var request = try SignedRequest.make(scheme)
        request.headers = [("Content-Type", "application/json")]
        #expect(try request.verify().reason == .missingSignature)
    }

    static let required: [(SignatureScheme, String)] = [
        (.standardWebhooks, SignatureHeader.webhookID), (.standardWebhooks, SignatureHeader.webhookTimestamp),
        (.standardWebhooks, SignatureHeader.webhookSignature), (.stripe, SignatureHeader.stripeSignature),
        (.github, SignatureHeader.gitHubSignature), (.slack, SignatureHeader.slackTimestamp), (.slack, SignatureHeader.slackSignature),
        (.shopify, SignatureHeader.shopifySignature), (.twilio, SignatureHeader.twilioSignature), (.generic, "X-Signature"),
    ]

    @Test("each header a scheme needs is missing when absent and when empty", arguments: required)
    func missingHeader(scheme: SignatureScheme, header: String) throws {
        let request = try SignedRequest.make(scheme)
        #expect(try request.removing(header).verify().reason == .missingSignature)
        #expect(try request.replacing(header, with: "  ").verify().reason == .missingSignature)
    }

    @Test("generic: a configured timestamp or id header that is absent is a missing signature")
    func genericMissingSideHeaders() throws {
        let settings = try GenericSignatureSettings(header: "X-Sig", timestampHeader: "X-Time", idHeader: "X-Id", signedContent: "{id}.{timestamp}.{body}")
        let request = try SignedRequest.make(.generic, generic: settings)
        #expect(try request.verify().valid)
        #expect(try request.removing("X-Time").verify().reason == .missingSignature)
        #expect(try request.removing("X-Id").verify().reason == .missingSignature)
        #expect(try request.replacing("X-Time", with: "soon").verify().reason == .malformedSignature)
    }

    // MARK: - Event ids

    @Test("the event id is reported for a refused request too, for logging")
    func eventIDOnRefusal() throws {
        var request = try SignedRequest.make(.standardWebhooks)
        request.body = SigningFixtures.bytes("tampered")
        let result = try request.verify()
        #expect(result.reason == .badSignature)
        #expect(result.eventID == "msg_round_trip")
        #expect(!result.eventIDContainsSignature)
    }

    @Test("Twilio: the idempotency token, when sent, is the event id; otherwise there is none")
    func twilioEventID() throws {
        var request = try SignedRequest.make(.twilio)
        #expect(try request.verify().eventID == nil)
        request.headers.append((name: "I-Twilio-Idempotency-Token", value: "idem-1"))
        #expect(try request.verify().eventID == "idem-1")
    }

    // MARK: - Inputs

    @Test("Twilio without the URL and generic without settings are the caller's mistake, thrown")
    func missingInputs() throws {
        #expect(throws: SignatureInputError.urlRequired) {
            try SignatureVerifier.verify(scheme: .twilio, keys: SignedRequest.keys(.twilio), headers: [], body: [], now: 0)
        }
        #expect(throws: SignatureInputError.genericSettingsRequired) {
            try SignatureVerifier.verify(scheme: .generic, keys: SignedRequest.keys(.generic), headers: [], body: [], now: 0)
        }
        #expect(throws: SignatureInputError.urlRequired) {
            try WebhookSigner.headers(scheme: .twilio, keys: SignedRequest.keys(.twilio), messageID: "m", timestamp: 0, body: [])
        }
        #expect(throws: SignatureInputError.genericSettingsRequired) {
            try WebhookSigner.headers(scheme: .generic, keys: SignedRequest.keys(.generic), messageID: "m", timestamp: 0, body: [])
        }
    }

    @Test("the failure reasons are exactly inbound.verify's words")
    func reasonWords() {
        #expect(VerificationFailure.allCases.map(\.rawValue) == [
            "missing_signature", "malformed_signature", "bad_signature", "timestamp_out_of_tolerance",
        ])
        #expect(SignedWith.allCases.map(\.rawValue) == ["current", "previous"])
    }
}
