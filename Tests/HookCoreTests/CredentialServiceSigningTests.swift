@testable import HookCore
import HookJSON
import Testing

/// `signingSecret`: a webhook's `signing.credential`, read from its own source and reference,
/// cached in memory apart from the credential, dropped with it, never put in the shared tier.
struct CredentialServiceSigningTests {
    static let orders = Webhook(key: try! WebhookKey(code: "ORDERS", direction: .outbound), url: "https://orders.example/hook",
                                authType: .bearer)
    static let signing = WebhookSigning(scheme: .standardWebhooks, source: .infisical, reference: "WEBHOOK_ORDERS_SIGNING")
    static let secrets = [
        "WEBHOOK_ORDERS_OUT": "tok_fake_orders",
        "WEBHOOK_ORDERS_SIGNING": #"{"secret": "whsec_ZmFrZS1zaWduaW5nLWtleS0wMTIzNDU2Nzg5", "previous_secret": "whsec_b2xk", "previous_expires_at": "2099-01-01T00:00:00Z"}"#,
    ]

    let clock = ManualClock(1_800_000_000)
    let source = CountingSource(Self.secrets)
    let tier = DictionaryTier()

    func service() -> CredentialService {
        CredentialService(
            cache: CredentialCache(configuration: CredentialCache.Configuration(), now: clock.reading),
            directory: DictionaryDirectory(webhooks: [Self.orders.key: Self.orders]), sources: [.infisical: source], shared: tier,
            tokenIssuer: nil, health: HealthBoard(), wallClock: clock.reading)
    }

    @Test func readsTheSigningReferenceOnceWithinTheTTLAndKeepsItApartFromTheCredential() async throws {
        let service = service()
        let secret = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        #expect(secret.credential["secret"] == "whsec_ZmFrZS1zaWduaW5nLWtleS0wMTIzNDU2Nzg5")
        #expect(secret.credential["previous_secret"] == "whsec_b2xk")
        #expect(secret.credential["previous_expires_at"] == .double(4_070_908_800))
        #expect(Set(secret.secretValues) == ["whsec_ZmFrZS1zaWduaW5nLWtleS0wMTIzNDU2Nzg5", "whsec_b2xk"])
        clock.advance(299)
        _ = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        #expect(source.reads == 1, "a second call within the TTL is served from memory")
        let credential = try await service.lookup(Self.orders.key)
        #expect(credential.credential.credential == ["token": "tok_fake_orders"], "the credential is not the signing secret")
        #expect(tier.storedTTLs.count == 1, "only the credential goes to the shared tier")
        clock.advance(2)
        _ = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        #expect(source.reads == 3, "past the TTL it is read again")
    }

    @Test func invalidatingTheWebhookDropsItsSigningSecretToo() async throws {
        let service = service()
        _ = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        await service.invalidate(code: "ORDERS", direction: nil)
        _ = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        #expect(source.reads == 2)
    }

    @Test func aMissingSecretIsAnErrorNamingTheReferenceAndAFailingSourceIsBridgedByTheStaleValue() async throws {
        let service = service()
        let elsewhere = WebhookSigning(scheme: .github, source: .infisical, reference: "NOT_THERE")
        await #expect(throws: CredentialError.missing(Self.orders.key, source: .infisical, reference: "NOT_THERE")) {
            try await service.signingSecret(for: Self.orders, signing: elsewhere)
        }
        await service.invalidate(code: "ORDERS", direction: nil)  // as webhook.upsert does when the definition changes
        let fresh = try await service.signingSecret(for: Self.orders, signing: Self.signing)
        clock.advance(301)
        source.behave(.fail(CredentialSourceError(.unavailable, "infisical is down")))
        #expect(try await service.signingSecret(for: Self.orders, signing: Self.signing) == fresh)
        let unconfigured = WebhookSigning(scheme: .github, source: .file, reference: "orders.key")
        await #expect(throws: CredentialError.sourceNotConfigured(Self.orders.key, source: .file)) {
            try await service.signingSecret(for: Self.orders, signing: unconfigured)
        }
    }
}
