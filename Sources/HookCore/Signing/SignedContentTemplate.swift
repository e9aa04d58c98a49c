/// What a `generic` signature covers, written with placeholders: `"{timestamp}.{body}"` signs the
/// timestamp header's text, a full stop and the body's exact bytes.
///
/// `{body}` is required (a signature that does not cover the body proves nothing about it);
/// `{timestamp}` and `{id}` are the values of the headers the settings name. Any other `{…}` is
/// refused, so a typo cannot silently become literal text.
public struct SignedContentTemplate: Sendable, Equatable, CustomStringConvertible {
    /// One piece of the template.
    public enum Part: Sendable, Equatable {
        /// Text signed as it is.
        case literal(String)
        /// The timestamp header's value.
        case timestamp
        /// The body's exact bytes.
        case body
        /// The id header's value (outbound: the message id).
        case id
    }

    /// The template as written.
    public let text: String
    /// The template split into literal text and placeholders.
    public let parts: [Part]

    /// Parses a template.
    /// - Throws: `TemplateError` saying what is wrong (an unknown or unclosed placeholder, no `{body}`).
    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { throw .unclosedPlaceholder }
            let name = rest[rest.index(after: open)..<close]
            let part: Part
            switch name {
            case "timestamp": part = .timestamp
            case "body": part = .body
            case "id": part = .id
            default: throw .unknownPlaceholder(String(name))
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(part)
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(.body) else { throw .missingBody }
        self.text = text
        self.parts = parts
    }

    /// `"{body}"`: the signature covers the body alone.
    public static let bodyOnly = SignedContentTemplate(text: "{body}", parts: [.body])

    private init(text: String, parts: [Part]) {
        self.text = text
        self.parts = parts
    }

    /// Whether the template uses `{timestamp}`.
    public var usesTimestamp: Bool { parts.contains(.timestamp) }
    /// Whether the template uses `{id}`.
    public var usesID: Bool { parts.contains(.id) }

    /// The bytes to sign: the template with its placeholders replaced (`body` as it is, byte for byte).
    func render(timestamp: Substring?, id: Substring?, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + text.utf8.count + 32)
        for part in parts {
            switch part {
            case .literal(let text): bytes += text.utf8
            case .timestamp: bytes += (timestamp ?? "").utf8
            case .body: bytes += body
            case .id: bytes += (id ?? "").utf8
            }
        }
        return bytes
    }

    public var description: String { text }

    /// Why a template was refused.
    public enum TemplateError: Error, Sendable, Equatable {
        /// A `{` with no `}` after it.
        case unclosedPlaceholder
        /// A placeholder other than `{timestamp}`, `{body}` and `{id}`; carries its name.
        case unknownPlaceholder(String)
        /// The template does not contain `{body}`.
        case missingBody

        /// The problem in a sentence fragment ("must contain {body}").
        public var reason: String {
            switch self {
            case .unclosedPlaceholder: "has a '{' without its '}'"
            case .unknownPlaceholder(let name): "has an unknown placeholder {\(name)} (known: {timestamp}, {body}, {id})"
            case .missingBody: "must contain {body}"
            }
        }
    }
}
