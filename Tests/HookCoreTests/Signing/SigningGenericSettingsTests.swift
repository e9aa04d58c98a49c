import HookCore
import HookJSON
import Testing

/// Reading a generic signature's settings from a webhook definition.
@Suite("Signing: GenericSignatureSettings")
struct SigningGenericSettingsTests {
    @Test("only the header is required; the rest default to no prefix, hex, SHA-256 and the body alone")
    func defaults() throws {
        let settings = try GenericSignatureSettings(json: ["header": "X-Signature"])
        #expect(settings.header == "X-Signature")
        #expect(settings.prefix == "")
        #expect(settings.encoding == .hex)
        #expect(settings.algorithm == .sha256)
        #expect(settings.timestampHeader == nil)
        #expect(settings.idHeader == nil)
        #expect(settings.signedContent.text == "{body}")
    }

    @Test("with a timestamp header the signed content defaults to \"{timestamp}.{body}\"")
    func timestampDefault() throws {
        let settings = try GenericSignatureSettings(json: ["header": "X-Signature", "timestamp_header": "X-Timestamp"])
        #expect(settings.signedContent.text == "{timestamp}.{body}")
        #expect(settings.signedContent.parts == [.timestamp, .literal("."), .body])
    }

    @Test("every setting is read, and written back by json")
    func everySetting() throws {
        let object: JSONObject = [
            "header": "X-Sig", "prefix": "sha512=", "encoding": "base64", "algorithm": "sha512", "timestamp_header": "X-Time",
            "id_header": "X-Id", "signed_content": "{id}|{timestamp}|{body}",
        ]
        let settings = try GenericSignatureSettings(json: object)
        #expect(settings.prefix == "sha512=")
        #expect(settings.encoding == .base64)
        #expect(settings.algorithm == .sha512)
        #expect(settings.timestampHeader == "X-Time")
        #expect(settings.idHeader == "X-Id")
        #expect(settings.signedContent.parts == [.id, .literal("|"), .timestamp, .literal("|"), .body])
        #expect(settings.json == object)
        #expect(try GenericSignatureSettings(json: settings.json) == settings)
    }

    static let refusals: [(JSONObject, String, String)] = [
        ([:], "header", "is required"),
        (["header": 5], "header", "must be a string, found number"),
        (["header": "X Sig"], "header", "must be a header name (letters, digits, -, _ …)"),
        (["header": "X-Sig", "encoding": "base32"], "encoding", "must be one of hex, base64, not 'base32'"),
        (["header": "X-Sig", "algorithm": "md5"], "algorithm", "must be one of sha256, sha1, sha512, not 'md5'"),
        (["header": "X-Sig", "prefix": "sha256=\r\nX-Evil: 1"], "prefix", "must not contain control characters"),
        (["header": "X-Sig", "timestamp_header": "x-sig"], "timestamp_header", "must differ from the other signature headers"),
        (["header": "X-Sig", "id_header": "X Id"], "id_header", "must be a header name (letters, digits, -, _ …)"),
        (["header": "X-Sig", "signed_content": "{timestamp}.{body}"], "signed_content", "uses {timestamp}, which needs timestamp_header"),
        (["header": "X-Sig", "signed_content": "{id}.{body}"], "signed_content", "uses {id}, which needs id_header"),
        (["header": "X-Sig", "signed_content": "{timestamp}"], "signed_content", "must contain {body}"),
        (["header": "X-Sig", "signed_content": "{body}.{nonce}"], "signed_content", "has an unknown placeholder {nonce} (known: {timestamp}, {body}, {id})"),
        (["header": "X-Sig", "signed_content": "{body"], "signed_content", "has a '{' without its '}'"),
        (["header": "X-Sig", "signed_content": 3], "signed_content", "must be a string, found number"),
        (["header": "X-Sig", "hash": "sha256"], "hash", "is not a generic signature setting (header, prefix, encoding, algorithm, timestamp_header, id_header, signed_content)"),
    ]

    @Test("a wrong setting is refused naming its key", arguments: refusals)
    func refused(object: JSONObject, field: String, reason: String) {
        #expect(throws: WebhookValidationError(field: field, reason: reason)) { try GenericSignatureSettings(json: object) }
    }

    @Test("errors carry the settings' place in the definition when given one")
    func errorPath() {
        #expect(throws: WebhookValidationError(field: "signing.generic.encoding", reason: "must be one of hex, base64, not 'b64'")) {
            try GenericSignatureSettings(json: ["header": "X-Sig", "encoding": "b64"], path: "signing.generic")
        }
    }

    @Test("the Swift initialiser applies the same rules")
    func swiftInitialiser() {
        #expect(throws: WebhookValidationError(field: "signed_content", reason: "uses {id}, which needs id_header")) {
            try GenericSignatureSettings(header: "X-Sig", signedContent: "{id}{body}")
        }
    }
}
