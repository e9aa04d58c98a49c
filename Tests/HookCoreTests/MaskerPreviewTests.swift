import HookJSON
import Testing

import HookCore

@Suite("Masker body preview")
struct MaskerPreviewTests {
    @Test("a JSON body is masked as a payload and previewed compactly")
    func jsonBody() {
        let body = #"{"id": "ch_123", "client_secret": "pi_3_secret_abc", "nested": {"api_key": 42, "card": "4242 4242 4242 4242"}}"#
        #expect(Masker().bodyPreview(body) == #"{"id":"ch_123","client_secret":"***MASKED***","nested":{"api_key":"***MASKED***","card":"***MASKED***"}}"#)
    }

    @Test("a form-encoded body has its sensitive parameters masked, the others kept")
    func formBody() {
        #expect(Masker().bodyPreview("access_token=tok-abc123&expires_in=3600&scope=read")
            == "access_token=***MASKED***&expires_in=3600&scope=read")
    }

    @Test("plain text loses known secrets, URL secrets and card numbers")
    func textBody() {
        let masker = Masker(knownSecrets: ["sk_fake_0123456789"])
        let preview = masker.bodyPreview("denied for sk_fake_0123456789 at https://x.test/cb?token=abc and card 4111 1111 1111 1111")
        #expect(preview == "denied for ***MASKED*** at https://x.test/cb?token=***MASKED*** and card ***MASKED***")
    }

    @Test("a known secret straddling the cut is masked whole, never half kept")
    func secretAcrossTheCut() {
        let secret = "whsec_" + String(repeating: "Z", count: 40)
        let body = String(repeating: "a", count: 240) + secret
        let preview = Masker(knownSecrets: [secret]).bodyPreview(body)
        #expect(!preview.contains("whsec_"))
        #expect(!preview.contains("ZZZZ"))
        #expect(preview == String(repeating: "a", count: 240) + "***MASKED***")
    }

    @Test("a long body is cut to the limit on a character boundary, with an ellipsis")
    func truncation() {
        let body = String(repeating: "é", count: 200)  // 400 UTF-8 bytes
        let preview = Masker().bodyPreview(body, limit: 9)
        #expect(preview == "éééé…")
        #expect(Masker().bodyPreview("short", limit: 5) == "short")
        #expect(Masker().bodyPreview("", limit: 5) == "")
        #expect(Masker().bodyPreview(String(repeating: "x", count: 1000)).utf8.count == Masker.previewLimit + "…".utf8.count)
    }

    @Test("masking off keeps the body as it is, still cut")
    func maskingOff() {
        #expect(Masker(enabled: false).bodyPreview(#"{"password": "p"}"#) == #"{"password": "p"}"#)
        #expect(Masker(enabled: false).bodyPreview("abcdef", limit: 3) == "abc…")
    }
}
