import HookCore
import HookJSON
import Testing

/// What the signer sends, the verifier accepts: for every scheme, every generic variant, with
/// and without a rotation.
@Suite("Signing: sign then verify")
struct SigningRoundTripTests {
    @Test("every scheme's signed request verifies, signed with the current key", arguments: SignatureScheme.allCases)
    func everyScheme(scheme: SignatureScheme) throws {
        let result = try SignedRequest.make(scheme).verify()
        #expect(result.valid)
        #expect(result.reason == nil)
        #expect(result.signedWith == .current)
    }

    @Test("every scheme's request signed during a rotation verifies with the rotating keys", arguments: SignatureScheme.allCases)
    func everySchemeRotating(scheme: SignatureScheme) throws {
        let keys = try SignedRequest.keys(scheme, previousExpiresAt: Double(SignedRequest.timestamp) + 3600)
        #expect(try SignedRequest.make(scheme, keys: keys).verify().valid)
    }

    @Test("an empty body and a body that is not UTF-8 sign and verify", arguments: SignatureScheme.allCases, [[], [0xFF, 0x00, 0xC3, 0x28]] as [[UInt8]])
    func unusualBodies(scheme: SignatureScheme, body: [UInt8]) throws {
        #expect(try SignedRequest.make(scheme, body: body).verify().valid)
    }

    @Test("Twilio: a form POST signed with its parameters verifies with them in another order")
    func twilioFormPost() throws {
        var request = try SignedRequest.make(.twilio, body: [], params: [("To", "+18005551212"), ("From", "+14158675309"), ("Body", "hi")])
        request.params = request.params?.reversed()
        #expect(try request.verify().valid)
    }

    @Test("the reported timestamp and event id come from the signed headers", arguments: SignatureScheme.allCases)
    func metadata(scheme: SignatureScheme) throws {
        let request = try SignedRequest.make(scheme)
        let result = try request.verify()
        switch scheme {
        case .standardWebhooks:
            #expect(result.timestamp == SignedRequest.timestamp)
            #expect(result.eventID == "msg_round_trip")
        case .stripe, .slack:
            #expect(result.timestamp == SignedRequest.timestamp)
            #expect(result.eventID?.hasPrefix("1700000000.") == true)
            #expect(result.eventIDContainsSignature)
        case .github, .shopify, .twilio, .generic:
            #expect(result.timestamp == nil)
            #expect(result.eventID == nil)
        }
    }

    static let genericVariants: [(String, [String: String])] = {
        var variants: [(String, [String: String])] = []
        for algorithm in SignatureAlgorithm.allCases {
            for encoding in GenericSignatureSettings.Encoding.allCases {
                variants.append(("\(algorithm) \(encoding)", ["algorithm": algorithm.rawValue, "encoding": encoding.rawValue]))
                variants.append(("\(algorithm) \(encoding) prefixed", ["algorithm": algorithm.rawValue, "encoding": encoding.rawValue, "prefix": "\(algorithm)="]))
            }
        }
        variants.append(("timestamp", ["timestamp_header": "X-Timestamp"]))
        variants.append(("timestamp, body only", ["timestamp_header": "X-Timestamp", "signed_content": "{body}"]))
        variants.append(("timestamp and id", ["timestamp_header": "X-Timestamp", "id_header": "X-Webhook-Id", "signed_content": "{id}.{timestamp}.{body}"]))
        variants.append(("id only", ["id_header": "X-Webhook-Id", "signed_content": "{id}:{body}"]))
        variants.append(("literal text", ["timestamp_header": "X-Timestamp", "signed_content": "v1:{timestamp}:{body}:end", "prefix": "v1="]))
        return variants
    }()

    @Test("every generic variant (algorithm × encoding × prefix, timestamp, id, template) signs and verifies", arguments: genericVariants)
    func genericVariant(name: String, settings: [String: String]) throws {
        var object: [(String, String)] = [("header", "X-Signature")]
        object += settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let generic = try GenericSignatureSettings(json: JSONObject(object.map { JSONObject.Member(key: $0.0, value: .string($0.1)) }))
        let request = try SignedRequest.make(.generic, generic: generic)
        let result = try request.verify()
        #expect(result.valid, "\(name)")
        var tampered = request
        tampered.body += [0x20]
        #expect(try tampered.verify().reason == .badSignature, "\(name)")
        if generic.idHeader != nil { #expect(result.eventID == "msg_round_trip") }
    }
}
