/// Checks an inbound webhook's signing secret without any traffic: it has the form its scheme
/// uses, and a signature made with it over a sample payload verifies the way the provider's
/// receiver would check it.
///
/// A thin layer over `SigningKey`, `WebhookSigner` and `SignatureVerifier`, so the form rules and
/// the sign/verify logic exist once. Twilio's sample is signed as a JSON body (the URL carries
/// `bodySHA256`); `generic` as bare hex HMAC-SHA256 of the payload.
public enum SigningSecretCheck {
    public static let samplePayload = Array(#"{"id":"evt_hookd_validation","type":"hookd.validation"}"#.utf8)
    public static let sampleTimestamp = "1700000000"

    private static let sampleSeconds = 1_700_000_000
    private static let sampleMessageID = "msg_hookd_validation"
    private static let sampleURL = "https://hookd.invalid/validation"
    /// The header `generic` samples are carried in: the check only needs some header name.
    private static let sampleGenericHeader = "X-Signature"

    /// VALID, or INVALID with the reason (never the secret); nil scheme is UNTESTED.
    public static func check(secret: String, scheme: SignatureScheme?) -> (ValidationStatus, String) {
        guard let scheme else { return (.untested, "No signature scheme configured") }
        let key: [UInt8]
        switch formKey(secret: secret, scheme: scheme) {
        case .success(let bytes): key = bytes
        case .failure(let problem): return (.invalid, "Malformed \(scheme.rawValue) signing secret: \(problem.reason)")
        }
        let signature = sign(key: key, scheme: scheme)
        guard verify(signature, key: key, scheme: scheme) else {
            return (.invalid, "A \(scheme.rawValue) signature made with the secret does not verify")
        }
        return (.valid, "Signing secret well-formed; a \(scheme.rawValue) signature verifies")
    }

    /// Why a secret has the wrong form (`SigningKeyError.reason`), without the secret.
    public struct FormProblem: Error {
        public var reason: String
    }

    /// The HMAC key the scheme derives from the secret, or why the secret has the wrong form.
    public static func formKey(secret: String, scheme: SignatureScheme) -> Result<[UInt8], FormProblem> {
        do throws(SigningKeyError) {
            return .success(try SigningKey(secret: secret, scheme: scheme).bytes)
        } catch {
            return .failure(FormProblem(reason: error.reason))
        }
    }

    /// The signature header value the provider would send for the sample payload.
    public static func sign(key: [UInt8], scheme: SignatureScheme, payload: [UInt8] = samplePayload) -> String {
        let headers: [(name: String, value: String)]
        do throws(SignatureInputError) {
            headers = try WebhookSigner.headers(
                scheme: scheme, generic: sampleGenericSettings, keys: SigningKeys(current: SigningKey(bytes: key)),
                messageID: sampleMessageID, timestamp: sampleSeconds, body: payload, url: sampleURL(scheme, payload))
        } catch {
            // Unreachable: the settings and the URL are always supplied.
            return ""
        }
        let name = signatureHeader(scheme)
        return headers.first { $0.name == name }?.value ?? ""
    }

    /// Checks a signature header the way a receiver does: parse it, recompute, compare.
    public static func verify(_ header: String, key: [UInt8], scheme: SignatureScheme, payload: [UInt8] = samplePayload) -> Bool {
        var headers: [(name: String, value: String)] = [(signatureHeader(scheme), header)]
        switch scheme {
        case .standardWebhooks: headers += [(SignatureHeader.webhookID, sampleMessageID), (SignatureHeader.webhookTimestamp, sampleTimestamp)]
        case .slack: headers.append((SignatureHeader.slackTimestamp, sampleTimestamp))
        case .stripe, .github, .shopify, .twilio, .generic: break
        }
        do throws(SignatureInputError) {
            return try SignatureVerifier.verify(
                scheme: scheme, generic: sampleGenericSettings, keys: SigningKeys(current: SigningKey(bytes: key)), headers: headers,
                body: payload, url: sampleURL(scheme, payload), now: Double(sampleSeconds)
            ).valid
        } catch {
            return false
        }
    }

    /// Bare hex HMAC-SHA256 of the payload, as the check has always signed `generic`.
    private static let sampleGenericSettings = GenericSignatureSettings(bodyHexIn: sampleGenericHeader)

    /// The header that carries the signature itself.
    private static func signatureHeader(_ scheme: SignatureScheme) -> String {
        switch scheme {
        case .standardWebhooks: SignatureHeader.webhookSignature
        case .stripe: SignatureHeader.stripeSignature
        case .github: SignatureHeader.gitHubSignature
        case .slack: SignatureHeader.slackSignature
        case .shopify: SignatureHeader.shopifySignature
        case .twilio: SignatureHeader.twilioSignature
        case .generic: sampleGenericHeader
        }
    }

    /// Twilio signs the URL; the sample payload is JSON, so it travels as the URL's `bodySHA256`.
    private static func sampleURL(_ scheme: SignatureScheme, _ payload: [UInt8]) -> String? {
        scheme == .twilio ? TwilioRequest.signedURL(sampleURL, jsonBody: payload) : nil
    }
}
