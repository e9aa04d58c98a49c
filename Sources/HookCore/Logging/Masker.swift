import HookJSON

/// Masks secrets in what hookd logs, publishes over MQTT or sends in an alert.
///
/// hookd handles live credentials on every call, and its structured log lines, MQTT messages,
/// alerts and error texts leave the process. The rule (DESIGN, "Events, logs and alerts") is that
/// no secret value ever appears in them, so everything on its way out passes through a `Masker`:
/// sensitive headers, URL userinfo and query secrets, sensitive payload keys and payment card
/// numbers become ``mask``, and so does every occurrence of a credential value the caller knows
/// about (``adding(knownSecrets:)``), wherever it turns up.
///
/// A masker is a value: build one from the configuration (`structured_logging.mask_sensitive`
/// and the extra names), then add the current webhook's credential values per call.
public struct Masker: Sendable {
    /// What a masked value becomes, in every place a masker writes.
    public static let mask = "***MASKED***"

    /// False when `structured_logging.mask_sensitive` is off: every function returns its input.
    public let isEnabled: Bool

    /// Extra sensitive header names from the configuration, lowercased.
    let extraHeaderNames: Set<String>

    /// Extra sensitive payload keys from the configuration, normalised like payload keys.
    let extraKeys: Set<String>

    /// The known secret values, as given (kept so that `adding` can rebuild the patterns).
    private var knownSecrets: [String]

    /// The byte sequences ``maskText(_:)`` looks for: each known secret and its encoded forms.
    private var secretPatterns: [[UInt8]]

    /// The shortest known secret that is masked; a shorter one would mask ordinary words.
    public static let minimumSecretLength = 4

    /// Creates a masker.
    ///
    /// - Parameters:
    ///   - enabled: false turns masking off altogether (`structured_logging.mask_sensitive: false`).
    ///   - extraHeaderNames: header names to mask besides the built-in ones, any case.
    ///   - extraKeys: payload keys to mask besides the built-in ones; compared like the built-in
    ///     ones, ignoring case, `_`, `-`, spaces and dots.
    ///   - knownSecrets: credential values to mask wherever they appear. Values shorter than
    ///     ``minimumSecretLength`` characters are ignored.
    public init(enabled: Bool = true, extraHeaderNames: [String] = [], extraKeys: [String] = [], knownSecrets: [String] = []) {
        isEnabled = enabled
        self.extraHeaderNames = Set(extraHeaderNames.map { $0.lowercased() })
        self.extraKeys = Set(extraKeys.map(Self.normalizedKey))
        self.knownSecrets = knownSecrets
        secretPatterns = Self.patterns(for: knownSecrets)
    }

    /// A copy of this masker that also masks `knownSecrets`.
    ///
    /// The configuration-wide masker is built once; each call adds the credential values of the
    /// webhook it logs for, so that a token echoed in an error text or a response is masked too.
    /// - Parameter knownSecrets: credential values to mask wherever they appear.
    /// - Returns: the extended masker.
    public func adding(knownSecrets secrets: [String]) -> Masker {
        var copy = self
        copy.knownSecrets += secrets
        copy.secretPatterns = Self.patterns(for: copy.knownSecrets)
        return copy
    }

    /// Masks the secrets in a free text: an error message, a response body.
    ///
    /// Every occurrence of a known secret (also percent- or JSON-encoded) becomes ``mask``, with
    /// overlapping occurrences of different secrets merged into one mask so that no part of either
    /// survives. Because an error text often quotes a URL or a payload, URLs in the text are
    /// masked as ``maskURL(_:)`` does and Luhn-valid card numbers become ``mask`` as well.
    /// - Parameter text: the text to clean.
    /// - Returns: the text with its secrets masked.
    public func maskText(_ text: String) -> String {
        guard isEnabled else { return text }
        let withoutSecrets = maskKnownSecrets(text)
        let withoutURLSecrets = maskEmbeddedURLs(withoutSecrets)
        return CardNumberScanner.masking(withoutURLSecrets, with: Self.mask)
    }

    /// Replaces the known secrets only; the other masks are left to the callers.
    func maskKnownSecrets(_ text: String) -> String {
        guard !secretPatterns.isEmpty, !text.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var covered: [Bool] = []
        for pattern in secretPatterns where pattern.count <= bytes.count {
            let first = pattern[0]
            var start = 0
            while start + pattern.count <= bytes.count {
                if bytes[start] == first && bytes[start..<start + pattern.count].elementsEqual(pattern) {
                    if covered.isEmpty { covered = Array(repeating: false, count: bytes.count) }
                    for index in start..<start + pattern.count { covered[index] = true }
                }
                start += 1
            }
        }
        guard !covered.isEmpty else { return text }
        // A matched secret is valid UTF-8 inside valid UTF-8, so its bytes start and end on scalar
        // boundaries and the result decodes cleanly.
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let maskBytes = Array(Self.mask.utf8)
        var index = 0
        while index < bytes.count {
            if covered[index] {
                output.append(contentsOf: maskBytes)
                while index < bytes.count && covered[index] { index += 1 }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Applies ``maskText(_:)`` to every string (and object key) inside a JSON value.
    func maskStrings(in value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(maskText(text))
        case .array(let elements):
            return .array(elements.map(maskStrings(in:)))
        case .object(let object):
            return .object(JSONObject(object.members.map {
                JSONObject.Member(key: maskKnownSecrets($0.key), value: maskStrings(in: $0.value))
            }))
        case .null, .bool, .integer, .double:
            return value
        }
    }

    /// The byte patterns for a list of secrets: each one as it is, percent-encoded (both hex
    /// cases, and with `+` for spaces) and JSON-escaped, so that a secret copied into a query
    /// string or a JSON body is still found. Longest first.
    private static func patterns(for secrets: [String]) -> [[UInt8]] {
        var patterns = Set<[UInt8]>()
        for secret in secrets where secret.count >= minimumSecretLength {
            let plain = Array(secret.utf8)
            patterns.insert(plain)
            patterns.insert(percentEncoded(plain, upperHex: true, spaceAsPlus: false))
            patterns.insert(percentEncoded(plain, upperHex: false, spaceAsPlus: false))
            patterns.insert(percentEncoded(plain, upperHex: true, spaceAsPlus: true))
            var escaped = JSONValue.string(secret).encoded()
            escaped.removeFirst()
            escaped.removeLast()
            patterns.insert(escaped)
        }
        return patterns.sorted { $0.count > $1.count }
    }

    private static func percentEncoded(_ bytes: [UInt8], upperHex: Bool, spaceAsPlus: Bool) -> [UInt8] {
        let digits = Array((upperHex ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                output.append(UInt8(ascii: "+"))
            default:
                output.append(UInt8(ascii: "%"))
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 0x0F)])
            }
        }
        return output
    }

    /// A payload key as it is compared: lowercased, without `_`, `-`, spaces and dots, so that
    /// `API_KEY`, `Api-Key` and `apiKey` are all `apikey`.
    static func normalizedKey(_ key: String) -> String {
        String(key.lowercased().unicodeScalars.filter { !"_- .".unicodeScalars.contains($0) })
    }
}
