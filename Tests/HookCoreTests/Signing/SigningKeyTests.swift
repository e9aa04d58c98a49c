import HookCore
import Testing

/// The key each scheme derives from a secret, and the form rules the secret must follow.
@Suite("Signing: SigningKey")
struct SigningKeyTests {
    @Test("Standard Webhooks signs with the base64 after whsec_")
    func standardWebhooksKey() throws {
        let key = try SigningKey(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme: .standardWebhooks)
        // python3 -c 'import base64; print(list(base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))'
        #expect(key.bytes == [
            49, 242, 144, 246, 191, 6, 41, 138, 171, 79, 8, 212, 60, 63, 8, 44, 246, 72, 163, 98, 218, 45, 164, 176,
        ])
    }

    @Test("the other schemes sign with the secret's UTF-8 bytes (Stripe with the whole whsec_ text)", arguments: [
        (SignatureScheme.stripe, "whsec_fakeStripeSecret0123"), (.github, "a-github-secret-of-some-length"),
        (.slack, "0123456789abcdef0123456789abcdef"), (.shopify, "shpss_fake0123456789"), (.twilio, "0123456789ABCDEF0123456789abcdef"),
        (.generic, "generic-secret-0123"),
    ])
    func utf8Key(scheme: SignatureScheme, secret: String) throws {
        #expect(try SigningKey(secret: secret, scheme: scheme).bytes == Array(secret.utf8))
    }

    static let malformed: [(SignatureScheme, String, SigningKeyError)] = [
        (.stripe, "sk_fake_123456789", .missingPrefix("whsec_")),
        (.stripe, "whsec_", .missingPrefix("whsec_")),
        (.stripe, "", .missingPrefix("whsec_")),
        (.standardWebhooks, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .missingPrefix("whsec_")),
        (.standardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", .notBase64),
        (.standardWebhooks, "whsec_MfKQ9r8G KYqrTwjUPD8ILPZIo2LaLaSw", .notBase64),
        (.standardWebhooks, "whsec_c2hvcnQ=", .wrongKeyLength(found: 5)),
        (.slack, "8f742231b10e8888abcd99yyyzzz85a5", .notThirtyTwoHexDigits),
        (.twilio, "12345", .notThirtyTwoHexDigits),
        (.github, "short", .tooShort(minimum: 16)),
        (.shopify, "", .tooShort(minimum: 16)),
        (.generic, "has a space in it somewhere", .containsWhitespace),
    ]

    @Test("a malformed secret is refused with the rule it breaks, and the error never shows it", arguments: malformed)
    func malformedSecret(scheme: SignatureScheme, secret: String, expected: SigningKeyError) {
        #expect(throws: expected) { try SigningKey(secret: secret, scheme: scheme) }
        // (The two shortest secrets are the empty one and the bare prefix the rule itself names.)
        if secret.count > "whsec_".count { #expect(!expected.description.contains(secret)) }
    }

    @Test("a key never prints its bytes")
    func description() throws {
        let key = try SigningKey(secret: "a-github-secret-of-some-length", scheme: .github)
        #expect(key.description == "SigningKey(30 bytes)")
        #expect(!String(reflecting: key).contains("github"))
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("97"), "no byte values in a dump")
    }
}
