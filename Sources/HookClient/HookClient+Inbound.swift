#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HookJSON
import HookRPC

/// `inbound.verify` for Swift callers: hookd checks a received request's signature with the
/// webhook's IN secret, which never leaves it.
extension HookClient {
    /// hookd's verdict on one received request.
    public struct InboundVerdict: Sendable, Equatable {
        /// The signature matched, within tolerance, and the event was not seen before.
        public var valid: Bool
        /// The webhook's scheme (`stripe`, `github`, …); nil when no secret could be found.
        public var scheme: String?
        /// Why it is not valid: `missing_signature`, `malformed_signature`, `bad_signature`,
        /// `timestamp_out_of_tolerance`, `replayed`, `unknown_webhook` or `no_secret`.
        public var reason: String?
        /// The event id replays are caught by, when the scheme has one.
        public var eventID: String?
        /// The signed timestamp (unix seconds), when the scheme signs one.
        public var timestamp: Int64?
        /// `current` or `previous` (a rotated secret still within its `previous_expires_at`).
        public var signedWith: String?

        /// Reads `inbound.verify`'s result.
        public init(_ result: JSONValue) throws(HookClientError) {
            guard let valid = result["valid"]?.boolValue else {
                throw .protocolViolation("inbound.verify answered without a boolean 'valid': \(result.compactText.prefix(200))")
            }
            self.valid = valid
            scheme = result["scheme"]?.stringValue
            reason = result["reason"]?.stringValue
            eventID = result["event_id"]?.stringValue
            timestamp = result["timestamp"]?.integerValue
            signedWith = result["signed_with"]?.stringValue
        }
    }

    /// `inbound.verify`: is this request, exactly as received, signed by the webhook's sender?
    /// An invalid signature is a verdict (`valid == false`); a call hookd refuses throws.
    /// - Parameters:
    ///   - headers: the request's headers in any case, repeated names allowed (the last wins).
    ///   - body: the exact bytes received; sent as `body_base64` when they are not UTF-8.
    ///   - url: the full URL the sender requested (twilio signs it).
    ///   - params: a form post's fields (twilio), a name given more than once as several pairs.
    ///   - receivedAt: unix seconds the request arrived, to check a captured request later.
    public func verifyInbound(
        code: String, headers: [(name: String, value: String)], body: [UInt8], url: String? = nil,
        params: [(name: String, value: String)]? = nil, receivedAt: Double? = nil
    ) throws(HookClientError) -> InboundVerdict {
        var request: JSONObject = [
            "code": .string(code),
            "headers": .object(JSONObject(headers.map { JSONObject.Member(key: $0.name, value: .string($0.value)) })),
        ]
        if let text = String(validating: body, as: UTF8.self) {
            request["body"] = .string(text)
        } else {
            request["body_base64"] = .string(Data(body).base64EncodedString())
        }
        if let url { request["url"] = .string(url) }
        if let params {
            var fields: [(name: String, values: [JSONValue])] = []
            for (name, value) in params {
                if let index = fields.firstIndex(where: { $0.name == name }) {
                    fields[index].values.append(.string(value))
                } else {
                    fields.append((name, [.string(value)]))
                }
            }
            request["params"] = .object(JSONObject(fields.map { field in
                JSONObject.Member(key: field.name, value: field.values.count == 1 ? field.values[0] : .array(field.values))
            }))
        }
        if let receivedAt { request["received_at"] = .double(receivedAt) }
        return try InboundVerdict(call(MethodName.inboundVerify, params: request))
    }
}
