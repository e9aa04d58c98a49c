import Foundation
import HookCore
import HookJSON
import HookRPC

/// `inbound.verify`: checks an IN webhook's request signature inside hookd, so the signing secret
/// never leaves it.
enum InboundMethods {
    static func register(into table: inout MethodTable, verification: InboundVerification) {
        table.register(MethodName.inboundVerify) { params, _ throws(RPCError) in
            try verification.start(try Self.request(params))
        }
    }

    /// Reads `{code, headers, body | body_base64, url?, params?, received_at?}`; every refusal
    /// names the parameter.
    static func request(_ params: JSONObject) throws(RPCError) -> InboundVerification.Request {
        do throws(JSONAccessError) {
            // Every parameter is read before any is judged, so a refusal of one never hides another's type error.
            let code = try params.string("code")
            let headerObject = try params.optionalObject("headers")
            let text = try params.optionalString("body")
            let encoded = try params.optionalString("body_base64")
            let url = try params.optionalString("url")
            let formObject = try params.optionalObject("params")
            let receivedAtValue = params["received_at"]
            guard WebhookKey.isValidCode(code) else {
                throw JSONAccessError(key: "code", problem: .invalid(reason: "must be 1 to 64 characters of A-Z, 0-9 and _"))
            }
            guard let headerObject else { throw JSONAccessError(key: "headers", problem: .missing) }
            var headers: [(name: String, value: String)] = []
            for member in headerObject {
                guard case .string(let value) = member.value else {
                    throw JSONAccessError(key: "headers.\(member.key)", problem: .wrongType(expected: "a string", found: member.value.typeName))
                }
                headers.append((member.key, value))
            }
            let body: [UInt8]
            switch (text, encoded) {
            case (let text?, nil): body = Array(text.utf8)
            case (nil, let encoded?):
                guard let data = Data(base64Encoded: encoded) else {
                    throw JSONAccessError(key: "body_base64", problem: .invalid(reason: "is not base64"))
                }
                body = Array(data)
            case (nil, nil): throw JSONAccessError(key: "body", problem: .invalid(reason: "is required (or body_base64): the exact bytes received"))
            case (_?, _?): throw JSONAccessError(key: "body_base64", problem: .invalid(reason: "cannot be given with body; send one"))
            }
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                throw JSONAccessError(key: "url", problem: .invalid(reason: "must be the full http(s) URL the sender requested"))
            }
            var formParameters: [(String, String)]? = nil
            if let formObject {
                var pairs: [(String, String)] = []
                for member in formObject {
                    switch member.value {
                    case .string(let value): pairs.append((member.key, value))
                    case .array(let values):
                        for value in values {
                            guard case .string(let text) = value else {
                                throw JSONAccessError(key: "params.\(member.key)", problem: .wrongType(expected: "strings", found: value.typeName))
                            }
                            pairs.append((member.key, text))
                        }
                    default:
                        throw JSONAccessError(key: "params.\(member.key)", problem: .wrongType(expected: "a string or an array of strings", found: member.value.typeName))
                    }
                }
                formParameters = pairs
            }
            var receivedAt = SystemClock.wallSeconds()
            if let receivedAtValue, receivedAtValue != .null {
                guard let seconds = ISO8601.seconds(from: receivedAtValue), seconds.isFinite, seconds > 0 else {
                    throw JSONAccessError(key: "received_at", problem: .invalid(reason: "must be seconds since 1970 or an ISO 8601 time with a zone"))
                }
                receivedAt = seconds
            }
            let key: WebhookKey
            do throws(WebhookValidationError) {
                key = try WebhookKey(code: code, direction: .inbound)
            } catch {
                throw JSONAccessError(key: "code", problem: .invalid(reason: error.reason))
            }
            return InboundVerification.Request(key: key, headers: headers, body: body, url: url, params: formParameters, receivedAt: receivedAt)
        } catch {
            throw .invalidParams(error)
        }
    }
}
