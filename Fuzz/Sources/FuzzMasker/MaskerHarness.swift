import FuzzSupport
import HookCore
import HookJSON

/// Runs hookd's `Masker` over fuzzed URLs, texts, headers and payloads.
///
/// Input, as lines: known secrets (comma-separated), extra header names, extra payload keys; the
/// rest is the subject: a URL or free text, a JSON payload when it parses, and headers read from
/// its `Name: value` lines. Properties: no call traps; a known secret of at least
/// `Masker.minimumSecretLength` lowercase letters and digits (which the mask cannot spell)
/// appears in no output, whatever URL, card or key masking happened around it; the always
/// sensitive headers and payload keys come out as the mask; a disabled masker changes nothing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMasker(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, count: size)
    let secrets = commaSeparated(input.textLine())
    let extraHeaderNames = commaSeparated(input.textLine())
    let extraKeys = commaSeparated(input.textLine())
    let subjectBytes = input.rest()
    let subject = String(decoding: subjectBytes, as: UTF8.self)
    let payload = (try? JSONValue.parse(subjectBytes)) ?? .string(subject)
    let headers = headerObject(subject)

    let masker = Masker(extraHeaderNames: extraHeaderNames, extraKeys: extraKeys, knownSecrets: secrets)
    let checked = secrets.filter(isCheckableSecret)
    let maskedURL = masker.maskURL(subject)
    let maskedText = masker.maskText(subject)
    let maskedHeaders = masker.maskHeaders(headers)
    let maskedPayload = masker.maskPayload(payload)
    for secret in checked {
        expectProperty(!occurs(secret, in: maskedURL), "maskURL kept the secret \(secret): \(maskedURL)")
        expectProperty(!occurs(secret, in: maskedText), "maskText kept the secret \(secret): \(maskedText)")
        expectProperty(!holds(secret, in: .object(maskedHeaders)), "maskHeaders kept the secret \(secret): \(JSONValue.object(maskedHeaders).compactText)")
        expectProperty(!holds(secret, in: maskedPayload), "maskPayload kept the secret \(secret): \(maskedPayload.compactText)")
    }
    for member in maskedHeaders where alwaysSensitiveHeaders.contains(member.key.lowercased()) {
        expectProperty(member.value == .string(Masker.mask), "header \(member.key) kept its value \(member.value.compactText)")
    }
    checkSensitiveKeys(in: maskedPayload)

    let disabled = Masker(enabled: false, knownSecrets: secrets)
    expectProperty(disabled.maskURL(subject) == subject, "a disabled masker changed a URL")
    expectProperty(disabled.maskText(subject) == subject, "a disabled masker changed a text")
    expectProperty(disabled.maskHeaders(headers) == headers, "a disabled masker changed headers")
    expectProperty(disabled.maskPayload(payload).isIdentical(to: payload), "a disabled masker changed a payload")
    return 0
}

/// Header names `Masker.maskHeaders` documents as always sensitive, lowercased.
private let alwaysSensitiveHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]

/// Payload keys `Masker.maskPayload` documents as sensitive, as written in the seeds.
private let sensitivePayloadKeys: Set<String> = ["password", "secret", "token", "api_key", "apiKey", "card_number", "cvv", "iban"]

private func commaSeparated(_ line: String?) -> [String] {
    guard let line, !line.isEmpty else { return [] }
    return line.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
}

/// A secret the property can be checked for: the mask (`***MASKED***`) holds no lowercase
/// letter nor digit, so masking next to such a secret can never spell it anew.
private func isCheckableSecret(_ secret: String) -> Bool {
    secret.utf8.count >= Masker.minimumSecretLength
        && secret.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
}

/// The subject's `Name: value` lines as a header object (a later name replaces an earlier one).
private func headerObject(_ subject: String) -> JSONObject {
    JSONObject(subject.split(separator: "\n").compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let value = line[line.index(after: colon)...].drop { $0 == " " }
        return JSONObject.Member(key: String(line[..<colon]), value: .string(String(value)))
    })
}

/// Whether `text` holds the bytes of `secret` (byte for byte, as the masker matches: a
/// `Character` comparison would miss a secret followed by a combining mark).
private func occurs(_ secret: String, in text: String) -> Bool {
    let bytes = Array(text.utf8)
    let pattern = Array(secret.utf8)
    guard pattern.count <= bytes.count else { return false }
    return (0...(bytes.count - pattern.count)).contains { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) }
}

/// Whether `secret` is in any string or key of `value`.
private func holds(_ secret: String, in value: JSONValue) -> Bool {
    switch value {
    case .string(let text): occurs(secret, in: text)
    case .array(let elements): elements.contains { holds(secret, in: $0) }
    case .object(let object): object.contains { occurs(secret, in: $0.key) || holds(secret, in: $0.value) }
    case .null, .bool, .integer, .double: false
    }
}

/// Every member under a documented sensitive key, at any depth, is the mask.
private func checkSensitiveKeys(in value: JSONValue) {
    switch value {
    case .object(let object):
        for member in object {
            if sensitivePayloadKeys.contains(member.key) {
                expectProperty(member.value == .string(Masker.mask), "payload key \(member.key) kept \(member.value.compactText)")
            } else {
                checkSensitiveKeys(in: member.value)
            }
        }
    case .array(let elements):
        elements.forEach(checkSensitiveKeys)
    case .string, .null, .bool, .integer, .double:
        break
    }
}
