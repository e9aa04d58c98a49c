@testable import HookCore
import Testing

/// The hand-written encodings under the signatures.
@Suite("Signing: hex and base64")
struct SigningTextTests {
    // RFC 4648 §10 test vectors.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("base64 encodes and decodes RFC 4648's test vectors", arguments: rfc4648)
    func base64Vectors(plain: String, encoded: String) {
        #expect(SignatureText.base64(Array(plain.utf8)) == encoded)
        #expect(SignatureText.bytes(base64: encoded) == Array(plain.utf8))
    }

    @Test("base64 round-trips every byte value")
    func base64AllBytes() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(SignatureText.bytes(base64: SignatureText.base64(bytes)) == bytes)
    }

    @Test("base64 that is not standard and padded is refused", arguments: ["Zg", "Zg=", "Z===", "Zm9v\n", "Zm 9", "Zm9-", "Zm9_", "Z=g=", "=Zg="])
    func base64Refused(text: String) {
        #expect(SignatureText.bytes(base64: text) == nil)
    }

    @Test("hex encodes in lower case and decodes either case")
    func hex() {
        #expect(SignatureText.hex([0x00, 0x7F, 0xAB, 0xFF]) == "007fabff")
        #expect(SignatureText.bytes(hex: "007FabFF") == [0x00, 0x7F, 0xAB, 0xFF])
        #expect(SignatureText.bytes(hex: "") == [])
    }

    @Test("hex with an odd length or a non-hex digit is refused", arguments: ["abc", "zz", "0x12", "12 3"])
    func hexRefused(text: String) {
        #expect(SignatureText.bytes(hex: text) == nil)
    }

    @Test("constant-time equality is plain equality")
    func constantTimeEqual() {
        #expect(SignatureText.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!SignatureText.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!SignatureText.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(SignatureText.constantTimeEqual([], []))
    }

    @Test("unix seconds are plain digits", arguments: [("1700000000", 1_700_000_000), ("0", 0)] as [(String, Int?)]
        + [("", nil), ("+17", nil), ("-17", nil), ("1.5", nil), (" 17", nil), ("1234567890123456", nil)])
    func unixSeconds(text: String, expected: Int?) {
        #expect(SignatureText.unixSeconds(text) == expected)
    }
}
