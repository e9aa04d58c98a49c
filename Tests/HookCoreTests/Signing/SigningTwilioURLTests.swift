@testable import HookCore
import Testing

/// Twilio's URL rules: the JSON body hash parameter and the port forms.
@Suite("Signing: Twilio URLs")
struct SigningTwilioURLTests {
    static let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    static let body = Array(#"{"property": "value", "boolean": true}"#.utf8)

    @Test("bodySHA256 is appended with ? or & as the URL needs, before any fragment", arguments: [
        ("https://a.example/hook", "https://a.example/hook?bodySHA256=\(hash)"),
        ("https://a.example/hook?x=1", "https://a.example/hook?x=1&bodySHA256=\(hash)"),
        ("https://a.example/hook?", "https://a.example/hook?bodySHA256=\(hash)"),
        ("https://a.example/hook#part", "https://a.example/hook?bodySHA256=\(hash)#part"),
    ])
    func signedURL(url: String, expected: String) {
        #expect(TwilioRequest.signedURL(url, jsonBody: Self.body) == expected)
        #expect(TwilioRequest.bodyHash(in: expected).map(String.init) == Self.hash)
    }

    @Test("a URL without bodySHA256 has no body hash")
    func noBodyHash() {
        #expect(TwilioRequest.bodyHash(in: "https://a.example/hook?x=1&bodySHA2560=2") == nil)
        #expect(TwilioRequest.bodyHash(in: "https://a.example/hook") == nil)
    }

    @Test("the port forms Twilio's validators try: without the port, and with it (the default when absent)", arguments: [
        ("https://a.example/x?y=1", ["https://a.example/x?y=1", "https://a.example:443/x?y=1"]),
        ("http://a.example", ["http://a.example", "http://a.example:80"]),
        ("https://a.example:8443/x", ["https://a.example/x", "https://a.example:8443/x"]),
        ("https://[::1]:8443/x", ["https://[::1]/x", "https://[::1]:8443/x"]),
        ("https://[::1]/x", ["https://[::1]/x", "https://[::1]:443/x"]),
        ("not a url", ["not a url"]),
    ])
    func portVariants(url: String, expected: [String]) {
        #expect(TwilioRequest.portVariants(of: url) == expected)
    }
}
