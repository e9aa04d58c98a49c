import HookCore
import Testing

/// Inbound signing secrets: the form each scheme expects, and signatures made the provider's way.
struct SigningSecretCheckTests {
    @Test func gitHubsPublishedExampleSignatureIsReproduced() {
        // docs.github.com, "Validating webhook deliveries": this secret and payload give this signature.
        let signature = SigningSecretCheck.sign(key: Array("It's a Secret to Everybody".utf8), scheme: .github,
                                                payload: Array("Hello, World!".utf8))
        #expect(signature == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    static let wellFormed: [(SignatureScheme, String)] = [
        (.stripe, "whsec_fakeStripeSecret0123"),
        (.standardWebhooks, "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"),
        (.slack, "0123456789abcdef0123456789abcdef"),
        (.twilio, "0123456789ABCDEF0123456789abcdef"),
        (.github, "a-github-secret-of-some-length"),
        (.shopify, "shpss_fake0123456789"),
        (.generic, "generic-secret-0123"),
    ]

    @Test("a well-formed secret signs, and its signature verifies while another key's does not", arguments: wellFormed)
    func wellFormedSecretsVerify(scheme: SignatureScheme, secret: String) throws {
        #expect(SigningSecretCheck.check(secret: secret, scheme: scheme).0 == .valid)
        guard case .success(let key) = SigningSecretCheck.formKey(secret: secret, scheme: scheme) else {
            Issue.record("\(scheme) refused a well-formed secret")
            return
        }
        let signature = SigningSecretCheck.sign(key: key, scheme: scheme)
        #expect(SigningSecretCheck.verify(signature, key: key, scheme: scheme))
        #expect(!SigningSecretCheck.verify(signature, key: key + [1], scheme: scheme), "a different key must not verify")
        #expect(!SigningSecretCheck.verify("garbage", key: key, scheme: scheme))
    }

    static let malformed: [(SignatureScheme, String, String)] = [
        (.stripe, "sk_fake_123456789", "must start with whsec_"),
        (.standardWebhooks, "whsec_not base64!", "the part after whsec_ must be base64"),
        (.standardWebhooks, "whsec_c2hvcnQ=", "must encode 24 to 64 bytes, found 5"),
        (.slack, "0123456789abcdef", "must be 32 hexadecimal characters"),
        (.twilio, "zz23456789abcdef0123456789abcdef", "must be 32 hexadecimal characters"),
        (.github, "short", "must be at least 16 characters"),
        (.generic, "has a space in it somewhere", "must not contain whitespace"),
    ]

    @Test("a malformed secret is INVALID with the reason and without the secret", arguments: malformed)
    func malformedSecretsAreInvalid(scheme: SignatureScheme, secret: String, reason: String) {
        let (status, message) = SigningSecretCheck.check(secret: secret, scheme: scheme)
        #expect(status == .invalid)
        #expect(message == "Malformed \(scheme.rawValue) signing secret: \(reason)")
        #expect(!message.contains(secret))
    }

    @Test func noSchemeIsUntested() {
        #expect(SigningSecretCheck.check(secret: "whatever-secret-value", scheme: nil) == (.untested, "No signature scheme configured"))
    }
}
