import HookCore
import HookJSON

extension SandboxScript {
    /// The fields a script may have; any other is refused so a typo does not pass silently.
    static let fieldNames: Set<String> = [
        "statuses", "latency_ms", "fail_first", "fail_status", "hang", "close", "retry_after", "headers", "body", "code",
        "scheme", "secret",
    ]

    /// The longest latency a script may ask for: past it a sender's timeout is better tested with `hang`.
    public static let maximumLatencyMilliseconds = 600_000

    /// Reads and checks a script.
    /// - Throws: `SandboxScriptError` naming the first bad field.
    public init(json: JSONValue) throws(SandboxScriptError) {
        guard let object = json.objectValue else {
            throw SandboxScriptError(field: "", message: "must be a JSON object, found \(json.typeName)")
        }
        self.init()
        for member in object.members where !Self.fieldNames.contains(member.key) {
            throw SandboxScriptError(field: member.key, message: "is not a script field (known: \(Self.fieldNames.sorted().joined(separator: ", ")))")
        }
        if let value = object["statuses"] {
            guard let items = value.arrayValue else { throw Self.wrongType("statuses", "an array of HTTP statuses", value) }
            statuses = try items.enumerated().map { offset, item throws(SandboxScriptError) in
                try Self.status(item, field: "statuses[\(offset)]")
            }
        }
        if let value = object["latency_ms"] {
            if let bounds = value.objectValue {
                for member in bounds.members where member.key != "min" && member.key != "max" {
                    throw SandboxScriptError(field: "latency_ms.\(member.key)", message: "is not a latency field (known: min, max)")
                }
                guard let minimum = bounds["min"], let maximum = bounds["max"] else {
                    throw SandboxScriptError(field: "latency_ms", message: "a range needs both 'min' and 'max'")
                }
                let low = try Self.milliseconds(minimum, field: "latency_ms.min")
                let high = try Self.milliseconds(maximum, field: "latency_ms.max")
                guard low <= high else { throw SandboxScriptError(field: "latency_ms.max", message: "must not be less than min (\(low))") }
                latency = .random(minimumMilliseconds: low, maximumMilliseconds: high)
            } else {
                latency = .fixed(milliseconds: try Self.milliseconds(value, field: "latency_ms"))
            }
        }
        if let value = object["fail_first"] {
            guard let count = value.integerValue, count >= 0, count <= 1_000_000 else {
                throw Self.wrongType("fail_first", "a whole number from 0 to 1000000", value)
            }
            failFirst = Int(count)
        }
        if let value = object["fail_status"] { failStatus = try Self.status(value, field: "fail_status") }
        if let value = object["hang"] { hang = try Self.flag(value, field: "hang") }
        if let value = object["close"] { close = try Self.flag(value, field: "close") }
        guard !(hang && close) else { throw SandboxScriptError(field: "close", message: "cannot be combined with 'hang'") }
        if let value = object["retry_after"] {
            guard let seconds = value.integerValue, seconds >= 0, seconds <= 86_400 else {
                throw Self.wrongType("retry_after", "a whole number of seconds from 0 to 86400", value)
            }
            retryAfter = Int(seconds)
        }
        if let value = object["headers"] {
            guard let fields = value.objectValue else { throw Self.wrongType("headers", "an object of header names to strings", value) }
            headers = try fields.members.map { member throws(SandboxScriptError) in
                let field = "headers.\(member.key)"
                guard Self.isHeaderName(member.key) else { throw SandboxScriptError(field: field, message: "is not a valid header name") }
                guard let text = member.value.stringValue else { throw Self.wrongType(field, "a string", member.value) }
                // Bytes, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
                guard !text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                    throw SandboxScriptError(field: field, message: "must not contain a line break or another control character")
                }
                return (member.key, text)
            }
        }
        if let value = object["body"] {
            guard let text = value.stringValue else { throw Self.wrongType("body", "a string", value) }
            body = text
        }
        if let value = object["code"] {
            guard let text = value.stringValue, !text.isEmpty, text.count <= 64 else {
                throw Self.wrongType("code", "a webhook code (1 to 64 characters)", value)
            }
            code = text
        }
        if let value = object["scheme"] {
            guard let text = value.stringValue, let found = SignatureScheme(rawValue: text), SandboxSignatureCheck.schemes.contains(found) else {
                throw Self.wrongType("scheme", "one of \(SandboxSignatureCheck.schemes.map(\.rawValue).joined(separator: ", "))", value)
            }
            scheme = found
        }
        if let value = object["secret"] { signingKey = try Self.signingKey(value, scheme: scheme) }
    }

    /// The key `scheme` derives from the `secret` field, after checking the secret's form.
    ///
    /// Its errors never quote the value, not even in part: it is a signing secret.
    private static func signingKey(_ value: JSONValue, scheme: SignatureScheme?) throws(SandboxScriptError) -> SigningKey {
        guard let secret = value.stringValue else {
            throw SandboxScriptError(field: "secret", message: "must be the signing secret as a string, found JSON \(value.typeName)")
        }
        guard !secret.isEmpty else { throw SandboxScriptError(field: "secret", message: "must not be empty") }
        guard let scheme else {
            throw SandboxScriptError(field: "secret", message: "requires 'scheme', which says how the secret signs")
        }
        guard secret != Masker.mask else {
            throw SandboxScriptError(field: "secret", message: "is the mask shown in place of a secret; send the secret itself")
        }
        do throws(SigningKeyError) {
            return try SigningKey(secret: secret, scheme: scheme)
        } catch {
            throw SandboxScriptError(field: "secret", message: "is not a \(scheme.rawValue) signing secret: it \(error.reason)")
        }
    }

    private static func status(_ value: JSONValue, field: String) throws(SandboxScriptError) -> Int {
        guard let status = value.integerValue, (100...599).contains(status) else {
            throw wrongType(field, "an HTTP status from 100 to 599", value)
        }
        return Int(status)
    }

    private static func milliseconds(_ value: JSONValue, field: String) throws(SandboxScriptError) -> Int {
        guard let milliseconds = value.integerValue, milliseconds >= 0, milliseconds <= Int64(maximumLatencyMilliseconds) else {
            throw wrongType(field, "a whole number of milliseconds from 0 to \(maximumLatencyMilliseconds), or {min, max}", value)
        }
        return Int(milliseconds)
    }

    private static func flag(_ value: JSONValue, field: String) throws(SandboxScriptError) -> Bool {
        guard let flag = value.boolValue else { throw wrongType(field, "true or false", value) }
        return flag
    }

    private static func wrongType(_ field: String, _ expected: String, _ value: JSONValue) -> SandboxScriptError {
        SandboxScriptError(field: field, message: "must be \(expected), found \(value.compactText.prefix(40))")
    }

    /// RFC 9110 token characters.
    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
