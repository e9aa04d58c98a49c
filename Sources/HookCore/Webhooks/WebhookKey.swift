/// Which way a webhook goes: hookd's callers send `OUT` webhooks and receive `IN` ones.
public enum WebhookDirection: String, Sendable, CaseIterable, Hashable {
    case outbound = "OUT"
    case inbound = "IN"
}

/// A webhook's identity: its code and direction. Codes are `[A-Z0-9_]{1,64}`.
public struct WebhookKey: Sendable, Hashable, CustomStringConvertible {
    public let code: String
    public let direction: WebhookDirection

    /// Checks the code's form.
    /// - Throws: `WebhookValidationError` naming `code` when it is not `[A-Z0-9_]{1,64}`.
    public init(code: String, direction: WebhookDirection) throws(WebhookValidationError) {
        guard Self.isValidCode(code) else {
            throw WebhookValidationError(field: "code", reason: "must be 1 to 64 characters of A-Z, 0-9 and _")
        }
        self.code = code
        self.direction = direction
    }

    public static func isValidCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count) && code.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }

    /// "STRIPE_PAYMENT/OUT", for messages and logs.
    public var description: String { "\(code)/\(direction.rawValue)" }
}

/// A webhook definition or parameter that is not acceptable; names the field, never a secret.
public struct WebhookValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "'\(field)' \(reason)" }
}
