import Crypto
import Foundation

/// Checks an inbound webhook's signing secret without any traffic: it has the form its scheme
/// uses, and a signature made with it over a sample payload verifies the way the provider's
/// receiver would check it.
public enum SigningSecretCheck {
    public static let samplePayload = Array(#"{"id":"evt_hookd_validation","type":"hookd.validation"}"#.utf8)
    public static let sampleTimestamp = "1700000000"

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

    public struct FormProblem: Error {
        public var reason: String
    }

    /// The HMAC key the scheme derives from the secret, or why the secret has the wrong form.
    public static func formKey(secret: String, scheme: SignatureScheme) -> Result<[UInt8], FormProblem> {
        func isHex(_ text: some StringProtocol) -> Bool { text.utf8.allSatisfy { ("0123456789abcdefABCDEF".utf8).contains($0) } }
        switch scheme {
        case .stripe:
            guard secret.hasPrefix("whsec_"), secret.count > "whsec_".count else { return .failure(FormProblem(reason: "must start with whsec_")) }
            return .success(Array(secret.utf8))  // Stripe signs with the whole secret text
        case .standardWebhooks:
            guard secret.hasPrefix("whsec_") else { return .failure(FormProblem(reason: "must start with whsec_")) }
            guard let bytes = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else {
                return .failure(FormProblem(reason: "the part after whsec_ must be base64"))
            }
            guard (24...64).contains(bytes.count) else {
                return .failure(FormProblem(reason: "must encode 24 to 64 bytes, found \(bytes.count)"))
            }
            return .success(Array(bytes))
        case .slack, .twilio:
            guard secret.count == 32, isHex(secret) else { return .failure(FormProblem(reason: "must be 32 hexadecimal characters")) }
            return .success(Array(secret.utf8))
        case .github, .shopify, .generic:
            guard secret.utf8.count >= 16 else { return .failure(FormProblem(reason: "must be at least 16 characters")) }
            guard !secret.contains(where: \.isWhitespace) else { return .failure(FormProblem(reason: "must not contain whitespace")) }
            return .success(Array(secret.utf8))
        }
    }

    /// The signature header value the provider would send for the sample payload.
    public static func sign(key: [UInt8], scheme: SignatureScheme, payload: [UInt8] = samplePayload) -> String {
        let message = signedContent(scheme, payload)
        switch scheme {
        case .twilio:
            let mac = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key))
            return Data(mac).base64EncodedString()
        default:
            let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            switch scheme {
            case .stripe: return "t=\(sampleTimestamp),v1=\(hex(mac))"
            case .github: return "sha256=\(hex(mac))"
            case .slack: return "v0=\(hex(mac))"
            case .standardWebhooks: return "v1,\(Data(mac).base64EncodedString())"
            case .shopify: return Data(mac).base64EncodedString()
            case .generic, .twilio: return hex(mac)
            }
        }
    }

    /// Checks a signature header the way a receiver does: parse it, recompute, compare.
    public static func verify(_ header: String, key: [UInt8], scheme: SignatureScheme, payload: [UInt8] = samplePayload) -> Bool {
        let message = signedContent(scheme, payload)
        let presented: [UInt8]?
        switch scheme {
        case .stripe:
            let fields = header.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1) }
            presented = fields.first { $0.first == "v1" && $0.count == 2 }.flatMap { unhex(String($0[1])) }
        case .github: presented = header.hasPrefix("sha256=") ? unhex(String(header.dropFirst(7))) : nil
        case .slack: presented = header.hasPrefix("v0=") ? unhex(String(header.dropFirst(3))) : nil
        case .standardWebhooks: presented = header.hasPrefix("v1,") ? Data(base64Encoded: String(header.dropFirst(3))).map(Array.init) : nil
        case .shopify, .twilio: presented = Data(base64Encoded: header).map(Array.init)
        case .generic: presented = unhex(header)
        }
        guard let presented else { return false }
        if scheme == .twilio {
            return HMAC<Insecure.SHA1>.isValidAuthenticationCode(presented, authenticating: message, using: SymmetricKey(data: key))
        }
        return HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: SymmetricKey(data: key))
    }

    /// What each scheme signs over: the payload with its provider's prefix.
    private static func signedContent(_ scheme: SignatureScheme, _ payload: [UInt8]) -> [UInt8] {
        switch scheme {
        case .stripe: Array("\(sampleTimestamp).".utf8) + payload
        case .slack: Array("v0:\(sampleTimestamp):".utf8) + payload
        case .standardWebhooks: Array("msg_hookd_validation.\(sampleTimestamp).".utf8) + payload
        case .twilio: Array("https://hookd.invalid/validation".utf8) + payload
        case .github, .shopify, .generic: payload
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: text, as: UTF8.self)
    }

    private static func unhex(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var result: [UInt8] = []
        for index in stride(from: 0, to: bytes.count, by: 2) {
            guard let high = value(bytes[index]), let low = value(bytes[index + 1]) else { return nil }
            result.append(high << 4 | low)
        }
        return result
    }
}
