import HookJSON

/// How a `generic` signature is made and carried, from the webhook's definition: which header,
/// what prefix, which hash and encoding, and what the HMAC covers. For senders that follow no
/// named provider but sign the usual way (`X-Signature: sha256=<hex of HMAC(body)>`).
public struct GenericSignatureSettings: Sendable, Equatable {
    /// How the HMAC bytes are written into the header.
    public enum Encoding: String, Sendable, CaseIterable {
        /// Lower-case hex (read in either case).
        case hex
        /// Standard base64 with padding.
        case base64
    }

    /// The header that carries the signature (`X-Signature`).
    public let header: String
    /// Text before the encoded signature (`sha256=`); may be empty.
    public let prefix: String
    /// How the HMAC is written after the prefix.
    public let encoding: Encoding
    /// The hash under the HMAC.
    public let algorithm: SignatureAlgorithm
    /// The header carrying the unix-seconds timestamp the signature covers, if the sender sends one;
    /// when set, the timestamp is checked against the tolerance.
    public let timestampHeader: String?
    /// The header carrying the message id, if any: the event id for replay protection.
    public let idHeader: String?
    /// What the HMAC covers.
    public let signedContent: SignedContentTemplate

    /// The keys of the JSON object, all optional except `header`.
    public static let fields: [String] = ["header", "prefix", "encoding", "algorithm", "timestamp_header", "id_header", "signed_content"]

    /// Settings from Swift. `signedContent` defaults to `"{timestamp}.{body}"` when there is a
    /// timestamp header and `"{body}"` otherwise.
    /// - Throws: `WebhookValidationError` naming the setting's JSON key (`header`, `signed_content`, …).
    public init(
        header: String, prefix: String = "", encoding: Encoding = .hex, algorithm: SignatureAlgorithm = .sha256,
        timestampHeader: String? = nil, idHeader: String? = nil, signedContent: String? = nil
    ) throws(WebhookValidationError) {
        try self.init(
            header: header, prefix: prefix, encoding: encoding, algorithm: algorithm, timestampHeader: timestampHeader,
            idHeader: idHeader, signedContent: signedContent, path: nil)
    }

    /// Hex HMAC-SHA256 of the body, no prefix, in `header`, for a name known to be a valid
    /// header (a constant); unchecked so it cannot fail.
    init(bodyHexIn header: String) {
        self.header = header
        prefix = ""
        encoding = .hex
        algorithm = .sha256
        timestampHeader = nil
        idHeader = nil
        signedContent = .bodyOnly
    }

    /// Reads the settings from a definition's JSON object (`{"header": "X-Signature", "prefix":
    /// "sha256=", "encoding": "hex", "algorithm": "sha256", "timestamp_header": …, "id_header": …,
    /// "signed_content": "{timestamp}.{body}"}`); unknown keys are refused so a typo is not dropped.
    /// - Parameter path: where the object sits in the definition (`signing.generic`), prefixed to
    ///   the key in errors; nil names the bare key.
    /// - Throws: `WebhookValidationError` naming the key.
    public init(json object: JSONObject, path: String? = nil) throws(WebhookValidationError) {
        func field(_ key: String) -> String { path.map { "\($0).\(key)" } ?? key }
        for member in object where !Self.fields.contains(member.key) {
            throw WebhookValidationError(field: field(member.key), reason: "is not a generic signature setting (\(Self.fields.joined(separator: ", ")))")
        }
        func string(_ key: String) throws(WebhookValidationError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw WebhookValidationError(field: field(key), reason: "must be a string, found \(other.typeName)")
            }
        }
        func choice<Value: RawRepresentable & CaseIterable>(_ key: String, default fallback: Value) throws(WebhookValidationError) -> Value
        where Value.RawValue == String {
            guard let text = try string(key) else { return fallback }
            guard let value = Value(rawValue: text) else {
                throw WebhookValidationError(
                    field: field(key), reason: "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            return value
        }
        guard let header = try string("header") else { throw WebhookValidationError(field: field("header"), reason: "is required") }
        try self.init(
            header: header, prefix: try string("prefix") ?? "", encoding: try choice("encoding", default: Encoding.hex),
            algorithm: try choice("algorithm", default: SignatureAlgorithm.sha256), timestampHeader: try string("timestamp_header"),
            idHeader: try string("id_header"), signedContent: try string("signed_content"), path: path)
    }

    private init(
        header: String, prefix: String, encoding: Encoding, algorithm: SignatureAlgorithm, timestampHeader: String?,
        idHeader: String?, signedContent: String?, path: String?
    ) throws(WebhookValidationError) {
        func failure(_ key: String, _ reason: String) -> WebhookValidationError {
            WebhookValidationError(field: path.map { "\($0).\(key)" } ?? key, reason: reason)
        }
        guard SignatureText.isHeaderName(header) else { throw failure("header", "must be a header name (letters, digits, -, _ …)") }
        // A header value cannot carry control characters; CR or LF would start another header.
        guard !prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw failure("prefix", "must not contain control characters")
        }
        var names = [header]
        for (key, name) in [("timestamp_header", timestampHeader), ("id_header", idHeader)] {
            guard let name else { continue }
            guard SignatureText.isHeaderName(name) else { throw failure(key, "must be a header name (letters, digits, -, _ …)") }
            guard !names.contains(where: { SignatureText.equalIgnoringCase($0, name) }) else {
                throw failure(key, "must differ from the other signature headers")
            }
            names.append(name)
        }
        let template: SignedContentTemplate
        do throws(SignedContentTemplate.TemplateError) {
            template = try SignedContentTemplate(signedContent ?? (timestampHeader == nil ? "{body}" : "{timestamp}.{body}"))
        } catch {
            throw failure("signed_content", error.reason)
        }
        if template.usesTimestamp && timestampHeader == nil { throw failure("signed_content", "uses {timestamp}, which needs timestamp_header") }
        if template.usesID && idHeader == nil { throw failure("signed_content", "uses {id}, which needs id_header") }
        self.header = header
        self.prefix = prefix
        self.encoding = encoding
        self.algorithm = algorithm
        self.timestampHeader = timestampHeader
        self.idHeader = idHeader
        self.signedContent = template
    }

    /// The settings as the definition writes them (every key, defaults included).
    public var json: JSONObject {
        [
            "header": .string(header), "prefix": .string(prefix), "encoding": .string(encoding.rawValue),
            "algorithm": .string(algorithm.rawValue), "timestamp_header": timestampHeader.map(JSONValue.string) ?? .null,
            "id_header": idHeader.map(JSONValue.string) ?? .null, "signed_content": .string(signedContent.text),
        ]
    }

    /// The signature as it appears in the header: prefix, then the encoded HMAC.
    func headerValue(_ mac: [UInt8]) -> String {
        prefix + (encoding == .hex ? SignatureText.hex(mac) : SignatureText.base64(mac))
    }

    /// The HMAC bytes in a header value, or nil when the value lacks the prefix, is not the
    /// encoding, or has the wrong length for the algorithm.
    func presentedSignature(_ value: Substring) -> [UInt8]? {
        guard value.hasPrefix(prefix) else { return nil }
        let encoded = value.dropFirst(prefix.count)
        let bytes = encoding == .hex ? SignatureText.bytes(hex: encoded) : SignatureText.bytes(base64: encoded)
        guard let bytes, bytes.count == algorithm.byteCount else { return nil }
        return bytes
    }
}
