import HookCore
import HookJSON
import Testing

/// What the migration tool writes and compares by: the same credential in either form is equal.
struct CredentialCanonicalTests {
    let key = (try? WebhookKey(code: "A", direction: .outbound))!

    func canonical(_ text: String, _ authType: AuthType) throws -> String? {
        try Credential.parse(text, authType: authType, webhook: key).canonicalText
    }

    @Test func aPlainStringEqualsTheObjectHoldingItAsTheMainField() throws {
        #expect(try canonical("tok_fake_1", .bearer) == "tok_fake_1")
        #expect(try canonical(#"{"token":"tok_fake_1"}"#, .bearer) == "tok_fake_1")
        #expect(try canonical("whsec_fake", .hmac) == "whsec_fake")
        #expect(try canonical(#"{"secret":"whsec_fake"}"#, .hmac) == "whsec_fake")
        #expect(try canonical("pw_fake", .apiKey) == (try canonical(#"{"value":"pw_fake","in":"header","name":"X-Api-Key"}"#, .apiKey)))
        #expect(try Credential.parse("tok_fake_1", authType: .bearer, webhook: key).canonicalDigest
            == (try Credential.parse(#"{"token":"tok_fake_1"}"#, authType: .bearer, webhook: key).canonicalDigest))
        #expect(try Credential.parse("tok_fake_1", authType: .bearer, webhook: key).canonicalDigest?.count == 64)
    }

    @Test func anythingBesideTheMainFieldKeepsTheObjectSortedWithoutEmptyFields() throws {
        // A scheme must not be lost: the object stays.
        #expect(try canonical(#"{"scheme":"github","secret":"gh_fake_secret"}"#, .hmac) == #"{"scheme":"github","secret":"gh_fake_secret"}"#)
        #expect(try canonical(#"{"password":"pw_fake","username":"u"}"#, .basic) == #"{"password":"pw_fake","username":"u"}"#)
        #expect(try canonical(#"{"token_url":"https://id.example.test/token","client_secret":"cs_fake","client_id":"c"}"#, .oauth2ClientCredentials)
            == #"{"client_id":"c","client_secret":"cs_fake","token_url":"https://id.example.test/token"}"#)
        #expect(try canonical("", .none) == nil)
    }

    @Test func namingFillsTheWebhooksCodeAndDirectionAndRefusesATemplateWithoutTheCode() throws {
        let inbound = try WebhookKey(code: "STRIPE", direction: .inbound)
        #expect(SecretNaming.defaultNaming.name(for: inbound) == "WEBHOOK_STRIPE_IN")
        #expect(try SecretNaming("hooks.<code>.<direction>").name(for: inbound) == "hooks.stripe.in")
        #expect(throws: WebhookValidationError.self) { try SecretNaming("ONE_FOR_ALL") }
        #expect(throws: WebhookValidationError.self) { try SecretNaming("<CODE>/<DIRECTION>") }
    }
}
