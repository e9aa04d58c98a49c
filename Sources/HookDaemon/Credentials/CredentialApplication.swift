import Foundation
import HookCore
import HookHTTP
import HookJSON

/// Puts a webhook's credential on an outgoing request the way its `auth_type` says: validation's
/// checks and the delivery engine's sends apply it alike.
enum CredentialApplication {
    /// Puts the credential where its auth_type says; false when it lacks a field.
    /// `shown` gets a masked stand-in for an api_key added to the query, so results say where it went.
    static func apply(
        _ credential: JSONValue, authType: AuthType, headers: inout [(name: String, value: String)], url: inout String, shown: inout String
    ) -> Bool {
        guard case .object(let fields) = credential else { return false }
        func field(_ name: String) -> String? { fields[name]?.stringValue }
        switch authType {
        case .bearer:
            guard let token = field("token") else { return false }
            headers.append((name: "Authorization", value: "Bearer \(token)"))
        case .oauth2ClientCredentials:
            guard let token = field("access_token") else { return false }
            headers.append((name: "Authorization", value: "\(field("token_type") ?? "Bearer") \(token)"))
        case .basic:
            guard let username = field("username"), let password = field("password") else { return false }
            headers.append((name: "Authorization", value: "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())"))
        case .apiKey:
            guard let name = field("name"), let value = field("value") else { return false }
            if field("in") == "query" {
                url += (url.contains("?") ? "&" : "?") + PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value)
                shown += (shown.contains("?") ? "&" : "?") + PercentEncoding.encode(name) + "=" + Masker.mask
            } else {
                headers.append((name: name, value: value))
            }
        case .hmac, .none:
            break  // an outbound HMAC signs bodies; a reachability check sends none
        }
        return true
    }
}
