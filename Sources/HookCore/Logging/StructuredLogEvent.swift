import HookJSON
import HookNumbers

/// Builds the structured log lines of webhook calls, in exactly the seed's shape.
///
/// Operators' jq recipes, dashboards and `hookrpc logs` read these lines, so their members,
/// member order and types are those the seed wrote: a `webhook_request` when a call starts and a
/// `webhook_response` when it ends, tied together by `guid`. The same line goes to the JSON Lines
/// file and to MQTT. Everything that could hold a secret passes through the given ``Masker``; the
/// payload is never written, only its size, and of the response body only its size and a short
/// masked preview.
public enum StructuredLogEvent {
    /// The `event` of a request line.
    public static let requestEvent = "webhook_request"

    /// The `event` of a response line.
    public static let responseEvent = "webhook_response"

    /// The line for a webhook call that is about to be made (or was received).
    ///
    /// Members, in order: `event` (`"webhook_request"`), `webhook_code`, `direction`, `method`,
    /// `url` (masked), `payload_size`, `headers` (masked; `{}` when absent), `credential_source`
    /// (string or null), `timestamp`, `guid`.
    /// - Parameters:
    ///   - webhookCode: the webhook's code.
    ///   - direction: `"OUT"` for a call hookd makes, `"IN"` for one it receives.
    ///   - method: the HTTP method.
    ///   - url: the target URL; its userinfo and query secrets are masked.
    ///   - payload: the body sent, or nil. Only its size is logged: the UTF-8 bytes of the string
    ///     for a string, of its compact JSON otherwise; 0 when nil or null.
    ///   - headers: the request headers, or nil; sensitive ones are masked.
    ///   - credentialSource: where the credential came from (`"infisical"`, `"env"` …), or nil.
    ///   - timestamp: seconds since 1970, written as ISO 8601 UTC with milliseconds.
    ///   - guid: the call's id, the same in its response line (see ``newGUID()``).
    ///   - masker: masks the URL, the headers and any known secret in them.
    /// - Returns: the line as a JSON object; `compactText` is the JSON Lines form.
    public static func request(
        webhookCode: String, direction: String, method: String, url: String,
        payload: JSONValue?, headers: JSONObject?, credentialSource: String?,
        timestamp: Double, guid: String, masker: Masker
    ) -> JSONValue {
        let line: JSONObject = [
            "event": .string(requestEvent),
            "webhook_code": .string(webhookCode),
            "direction": .string(direction),
            "method": .string(masker.maskText(method)),
            "url": .string(masker.maskURL(url)),
            "payload_size": .integer(Int64(payloadSize(payload))),
            "headers": .object(masker.maskHeaders(headers ?? JSONObject())),
            "credential_source": credentialSource.map { .string(masker.maskText($0)) } ?? .null,
            "timestamp": .string(timestampText(timestamp)),
            "guid": .string(guid),
        ]
        return .object(line)
    }

    /// The line for a webhook call that has ended, successfully or not.
    ///
    /// Members, in order: `event` (`"webhook_response"`), `webhook_code`, `direction`,
    /// `status_code` (integer, or null when no response came), `response_size`,
    /// `response_preview` (the masked start of the body, or null when there was none),
    /// `duration_seconds`, `success`, `error` (masked, or null), `timestamp`, `guid`.
    /// - Parameters:
    ///   - webhookCode: the webhook's code.
    ///   - direction: as in the request line.
    ///   - statusCode: the HTTP status, or nil when the call failed before a response.
    ///   - responseBody: the body received, or nil. Its size (UTF-8 bytes) is logged, and a
    ///     preview cut from it after masking (``Masker/bodyPreview(_:limit:)``).
    ///   - duration: how long the call took, in seconds.
    ///   - success: whether the call counts as a success.
    ///   - error: what went wrong, or nil; masked with ``Masker/maskText(_:)`` because error
    ///     texts often quote URLs, headers or the credential itself.
    ///   - timestamp: seconds since 1970, written as ISO 8601 UTC with milliseconds.
    ///   - guid: the id of the request line this response belongs to.
    ///   - masker: masks the preview and the error text.
    /// - Returns: the line as a JSON object; `compactText` is the JSON Lines form.
    public static func response(
        webhookCode: String, direction: String, statusCode: Int?, responseBody: String?,
        duration: Double, success: Bool, error: String?,
        timestamp: Double, guid: String, masker: Masker
    ) -> JSONValue {
        let line: JSONObject = [
            "event": .string(responseEvent),
            "webhook_code": .string(webhookCode),
            "direction": .string(direction),
            "status_code": statusCode.map { .integer(Int64($0)) } ?? .null,
            "response_size": .integer(Int64(responseBody?.utf8.count ?? 0)),
            "response_preview": responseBody.flatMap { $0.isEmpty ? nil : .string(masker.bodyPreview($0)) } ?? .null,
            "duration_seconds": .double(duration),
            "success": .bool(success),
            "error": error.map { .string(masker.maskText($0)) } ?? .null,
            "timestamp": .string(timestampText(timestamp)),
            "guid": .string(guid),
        ]
        return .object(line)
    }

    /// A new random call id: a UUID version 4 in lowercase `8-4-4-4-12` form.
    ///
    /// `log.request` makes one when the caller gives none; the caller passes it back to
    /// `log.response` so that the two lines can be joined. Drawn from the system's secure random
    /// source, so ids from several hookd processes do not collide.
    /// - Returns: e.g. `"3f2b8c1e-9a4d-4e7f-b2c1-0d5e6f7a8b9c"`.
    public static func newGUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The logged size of a payload: UTF-8 bytes of a string, of the compact JSON otherwise.
    static func payloadSize(_ payload: JSONValue?) -> Int {
        switch payload {
        case nil, .null?: 0
        case .string(let text)?: text.utf8.count
        case let value?: value.encoded().count
        }
    }

    /// ISO 8601 UTC with milliseconds, rounded to the nearest millisecond; a non-finite time
    /// (never from the clock) prints as 1970.
    static func timestampText(_ secondsSince1970: Double) -> String {
        ISO8601.format(secondsSince1970.isFinite ? secondsSince1970 : 0, fractionalDigits: 3)
    }
}
