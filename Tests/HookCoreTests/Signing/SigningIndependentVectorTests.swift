import HookCore
import Testing

/// Where a provider publishes no example, signatures computed by independent code (Python's
/// `hmac`/`hashlib`/`base64`) and pasted here as literals. Body `{"id":"evt_1","object":"event"}`,
/// t = 1700000000; each vector was printed by `python3 -c 'import hmac, hashlib, base64; print(…)'`
/// with the expression in the comment beside it, e.g.
///
///     hmac.new(b"whsec_test_secret_0123456789", b"1700000000." + body, hashlib.sha256).hexdigest()
@Suite("Signing: vectors from independent code")
struct SigningIndependentVectorTests {
    static let body = SigningFixtures.bytes(#"{"id":"evt_1","object":"event"}"#)
    static let timestamp = 1_700_000_000

    // hmac.new(b"whsec_test_secret_0123456789", b"1700000000." + body, hashlib.sha256).hexdigest()
    static let stripeCurrent = "0f06c232d18bc676bfacfc5240a2cfe4559e99421aacd50637b2ba2c7262e338"
    // hmac.new(b"whsec_previous_secret_abcdef", b"1700000000." + body, hashlib.sha256).hexdigest()
    static let stripePrevious = "88db13e44c59a85b9a0b2160c1515be71c03c7357f2a8e8ff7265ec5c78825de"

    static func stripeKeys(rotating: Bool = false) throws -> SigningKeys {
        let current = try SigningKey(secret: "whsec_test_secret_0123456789", scheme: .stripe)
        guard rotating else { return SigningFixtures.only(current) }
        let previous = try SigningKey(secret: "whsec_previous_secret_abcdef", scheme: .stripe)
        return SigningFixtures.rotation(current, previous: previous, expiresAt: Double(timestamp) + 3600)
    }

    @Test("Stripe: t=…,v1=… of HMAC-SHA256(\"{t}.{body}\") with the whole whsec_ secret")
    func stripe() throws {
        let headers = try WebhookSigner.headers(
            scheme: .stripe, keys: try Self.stripeKeys(), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["Stripe-Signature: t=1700000000,v1=\(Self.stripeCurrent)"])
    }

    @Test("Stripe: during a rotation both keys sign, current first")
    func stripeRotation() throws {
        let headers = try WebhookSigner.headers(
            scheme: .stripe, keys: try Self.stripeKeys(rotating: true), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["Stripe-Signature: t=1700000000,v1=\(Self.stripeCurrent),v1=\(Self.stripePrevious)"])
    }

    @Test("Stripe: a header as Stripe sends it verifies, and its event id is t and the first v1")
    func stripeVerifies() throws {
        let result = try SignatureVerifier.verify(
            scheme: .stripe, keys: try Self.stripeKeys(), headers: [("Stripe-Signature", "t=1700000000,v1=\(Self.stripeCurrent)")],
            body: Self.body, now: Double(Self.timestamp))
        #expect(result == .accepted(
            signedWith: .current, timestamp: Self.timestamp, eventID: "1700000000.\(Self.stripeCurrent)", eventIDContainsSignature: true))
    }

    @Test("Shopify: X-Shopify-Hmac-Sha256 is base64 HMAC-SHA256 of the body, and nothing else is sent")
    func shopify() throws {
        // base64.b64encode(hmac.new(b"shpss_example_secret_0123456789", body, hashlib.sha256).digest())
        let key = try SigningKey(secret: "shpss_example_secret_0123456789", scheme: .shopify)
        let headers = try WebhookSigner.headers(scheme: .shopify, keys: SigningFixtures.only(key), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["X-Shopify-Hmac-Sha256: yy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU="])
        let result = try SignatureVerifier.verify(
            scheme: .shopify, keys: SigningFixtures.only(key),
            headers: [("X-Shopify-Hmac-Sha256", "yy80CnAZLbCUtUqmLnkGUCTUPVEGGqxhZXOk3JSNOFU="), ("X-Shopify-Webhook-Id", "b54557e4")],
            body: Self.body, now: 0)
        #expect(result == .accepted(signedWith: .current, timestamp: nil, eventID: "b54557e4"))
    }

    @Test("GitHub: sha256=<hex> of the body with another secret; X-GitHub-Delivery is the event id")
    func gitHub() throws {
        // hmac.new(b"github-example-secret-0123", body, hashlib.sha256).hexdigest()
        let signature = "sha256=0f29fb0cc578e5a8aa363b33bd010c903cab9822b786d41d8bf2401112906778"
        let key = try SigningKey(secret: "github-example-secret-0123", scheme: .github)
        let headers = try WebhookSigner.headers(scheme: .github, keys: SigningFixtures.only(key), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["X-Hub-Signature-256: \(signature)"])
        let result = try SignatureVerifier.verify(
            scheme: .github, keys: SigningFixtures.only(key),
            headers: [("X-Hub-Signature-256", signature), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")], body: Self.body, now: 0)
        #expect(result == .accepted(signedWith: .current, timestamp: nil, eventID: "72d3162e-cc78-11e3-81ab-4c9367dc0958"))
    }

    @Test("Slack: v0=<hex> of \"v0:{ts}:{body}\" with a 32-hex secret")
    func slack() throws {
        // "v0=" + hmac.new(b"0123456789abcdef0123456789abcdef", b"v0:1700000000:" + body, hashlib.sha256).hexdigest()
        let key = try SigningKey(secret: "0123456789abcdef0123456789abcdef", scheme: .slack)
        let headers = try WebhookSigner.headers(scheme: .slack, keys: SigningFixtures.only(key), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == [
            "X-Slack-Request-Timestamp: 1700000000", "X-Slack-Signature: v0=5863c58ce87fa6e7482c5d660033ae743caf37486da1a4301bf11138fe9d7d68",
        ])
    }

    @Test("Standard Webhooks: during a rotation both keys sign, space-separated, current first")
    func standardWebhooksRotation() throws {
        // previous key: base64.b64decode("c2VjcmV0LWtleS1mb3ItdGhlLXByZXZpb3VzLXJvdW5k") (33 bytes);
        // "v1," + base64.b64encode(hmac.new(key, b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}', hashlib.sha256).digest())
        let current = try SigningKey(secret: SigningPublishedVectorTests.standardSecret, scheme: .standardWebhooks)
        let previous = try SigningKey(secret: "whsec_c2VjcmV0LWtleS1mb3ItdGhlLXByZXZpb3VzLXJvdW5k", scheme: .standardWebhooks)
        let keys = SigningFixtures.rotation(current, previous: previous, expiresAt: Double(SigningPublishedVectorTests.standardTimestamp) + 1)
        let headers = try WebhookSigner.headers(
            scheme: .standardWebhooks, keys: keys, messageID: SigningPublishedVectorTests.standardID, timestamp: SigningPublishedVectorTests.standardTimestamp,
            body: SigningPublishedVectorTests.standardBody)
        #expect(SigningFixtures.value(headers, "webhook-signature")
            == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,E//02VdxJ+fU+KuQh/sjnWmCzUchhjxrI4WgWXNUqH4=")
    }

    @Test("Standard Webhooks: once the previous key has expired at the message's timestamp, only the current key signs")
    func standardWebhooksRotationOver() throws {
        let current = try SigningKey(secret: SigningPublishedVectorTests.standardSecret, scheme: .standardWebhooks)
        let previous = try SigningKey(secret: "whsec_c2VjcmV0LWtleS1mb3ItdGhlLXByZXZpb3VzLXJvdW5k", scheme: .standardWebhooks)
        let keys = SigningFixtures.rotation(current, previous: previous, expiresAt: Double(SigningPublishedVectorTests.standardTimestamp))
        let headers = try WebhookSigner.headers(
            scheme: .standardWebhooks, keys: keys, messageID: SigningPublishedVectorTests.standardID, timestamp: SigningPublishedVectorTests.standardTimestamp,
            body: SigningPublishedVectorTests.standardBody)
        #expect(SigningFixtures.value(headers, "webhook-signature") == SigningPublishedVectorTests.standardSignature)
    }

    static let genericKey = SigningFixtures.raw("generic-secret-0123")

    @Test("generic: prefix sha256=, hex HMAC-SHA256 of the body")
    func genericHex() throws {
        // "sha256=" + hmac.new(b"generic-secret-0123", body, hashlib.sha256).hexdigest()
        let settings = try GenericSignatureSettings(header: "X-Signature", prefix: "sha256=")
        let headers = try WebhookSigner.headers(
            scheme: .generic, generic: settings, keys: SigningFixtures.only(Self.genericKey), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["X-Signature: sha256=f63343daf156f1addbff82108602fe33a23258ed514ae2c5835da8136f5ff709"])
    }

    @Test("generic: base64 HMAC-SHA512 of \"{timestamp}.{body}\" with a timestamp header")
    func genericBase64SHA512() throws {
        // base64.b64encode(hmac.new(b"generic-secret-0123", b"1700000000." + body, hashlib.sha512).digest())
        let settings = try GenericSignatureSettings(header: "X-Sig", encoding: .base64, algorithm: .sha512, timestampHeader: "X-Timestamp")
        let headers = try WebhookSigner.headers(
            scheme: .generic, generic: settings, keys: SigningFixtures.only(Self.genericKey), messageID: "m", timestamp: Self.timestamp, body: Self.body)
        #expect(SigningFixtures.lines(headers) == [
            "X-Timestamp: 1700000000",
            "X-Sig: bKelUwKiurbdZXmIRl8idXeRH5tVG8U44zAdka38o7TmCQWLwbHykOO9W9gy92jaWuvOnjNE5ooZqNj9HTDRDQ==",
        ])
    }

    @Test("generic: hex HMAC-SHA1 of \"{id}.{timestamp}.{body}\" with id and timestamp headers")
    func genericSHA1WithID() throws {
        // hmac.new(b"generic-secret-0123", b"msg_42.1700000000." + body, hashlib.sha1).hexdigest()
        let settings = try GenericSignatureSettings(
            header: "X-Sig", algorithm: .sha1, timestampHeader: "X-Time", idHeader: "X-Id", signedContent: "{id}.{timestamp}.{body}")
        let headers = try WebhookSigner.headers(
            scheme: .generic, generic: settings, keys: SigningFixtures.only(Self.genericKey), messageID: "msg_42", timestamp: Self.timestamp,
            body: Self.body)
        #expect(SigningFixtures.lines(headers) == ["X-Id: msg_42", "X-Time: 1700000000", "X-Sig: 0aabf3bd0cd7c0ffb67f92ed2e4bceaec63343e5"])
        let result = try SignatureVerifier.verify(
            scheme: .generic, generic: settings, keys: SigningFixtures.only(Self.genericKey), headers: headers, body: Self.body,
            now: Double(Self.timestamp))
        #expect(result == .accepted(signedWith: .current, timestamp: Self.timestamp, eventID: "msg_42"))
    }
}
