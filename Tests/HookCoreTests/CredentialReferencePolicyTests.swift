@testable import HookCore
import Testing

struct CredentialReferencePolicyTests {
    let policy = CredentialReferencePolicy(environmentAllowPatterns: ["STRIPE_*_KEY", "LEGACY_?"],
                                           ownSecrets: ["st.own-client-secret-1", "short", ""])

    @Test(arguments: [
        ("HOOKD_CRED_STRIPE_OUT", true), ("HOOKD_CRED_", false), ("hookd_cred_x", false),
        ("STRIPE_LIVE_KEY", true), ("STRIPE__KEY", true), ("STRIPE_LIVE_KEY2", false),
        ("LEGACY_A", true), ("LEGACY_AB", false), ("INFISICAL_CLIENT_SECRET", false), ("", false),
    ])
    func environmentNames(name: String, allowed: Bool) {
        #expect((policy.refusal(source: .env, reference: name) == nil) == allowed, "\(name)")
    }

    @Test(arguments: [("webhook-x-out", true), ("a/b", false), ("..", false), (".", false), ("", false), ("x\u{0}y", false)])
    func fileNames(name: String, allowed: Bool) {
        #expect((policy.refusal(source: .file, reference: name) == nil) == allowed, "\(name)")
    }

    @Test func infisicalAndDatabaseReferencesAreNotThisPolicysConcern() {
        #expect(policy.refusal(source: .infisical, reference: "ANYTHING") == nil)
        #expect(policy.refusal(source: .database, reference: "") == nil)
    }

    @Test func ownSecretsAreFoundWholeTrimmedOrInside() {
        #expect(policy.holdsOwnSecret("st.own-client-secret-1"))
        #expect(policy.holdsOwnSecret("  st.own-client-secret-1\r\n"))
        #expect(policy.holdsOwnSecret(#"{"token":"st.own-client-secret-1"}"#))
        #expect(policy.holdsOwnSecret("short"), "a short secret matches only as the whole value")
        #expect(!policy.holdsOwnSecret("not-short-at-all"), "a short secret is not searched inside")
        #expect(!policy.holdsOwnSecret("sk_fake_other"))
        #expect(!policy.holdsOwnSecret(""), "an empty own secret matches nothing")
    }

    @Test(arguments: [("*", "", true), ("*", "abc", true), ("a*c", "abbbc", true), ("a*c", "abcd", false),
                      ("*x*", "axb", true), ("??", "ab", true), ("??", "a", false), ("a**b", "ab", true)])
    func globMatching(pattern: String, text: String, matches: Bool) {
        #expect(CredentialReferencePolicy.glob(pattern, matches: text) == matches)
    }
}
