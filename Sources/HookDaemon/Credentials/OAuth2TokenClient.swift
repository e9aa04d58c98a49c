import HookCore
import HookHTTP
import HookJSON
import HookNumbers

/// Exchanges OAuth2 client credentials for an access token (RFC 6749 §4.4), over libcurl.
///
/// The token URL comes from a webhook's credential, so `http` must be a client screened by the
/// `NetworkPolicy`, and the client secret crosses plain http only where the webhook allows it.
struct OAuth2TokenClient: OAuth2TokenIssuer {
    /// The longest `expires_in` taken from a token endpoint: a year.
    static let longestLifetimeSeconds = 31_536_000.0

    let http: HTTPClient

    func issueToken(_ credentials: OAuth2ClientCredentials, timeoutSeconds: Double, allowInsecureHTTP: Bool)
        async throws(CredentialSourceError) -> IssuedToken {
        if NetworkPolicy.isCleartext(url: credentials.tokenURL) && !allowInsecureHTTP {
            throw CredentialSourceError(
                .cleartextRefused,
                "token endpoint \(Masker().maskURL(credentials.tokenURL)) is plain http://; the client secret is not sent "
                    + "in clear text unless the webhook says allow_insecure_http: true")
        }
        var fields = [("grant_type", "client_credentials"), ("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)]
        if let scope = credentials.scope { fields.append(("scope", scope)) }
        let request = HTTPRequest(
            method: "POST", url: credentials.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: PercentEncoding.form(fields), timeoutSeconds: timeoutSeconds, requiresTLS: !allowInsecureHTTP)
        let response: HTTPResponse
        do throws(HTTPError) {
            response = try await http.send(request)
        } catch {
            let reason: CredentialSourceError.Reason = switch error.curlCode {
            case HTTPError.blockedAddressCode: .blockedAddress
            case 28: .timeout
            default: .unavailable
            }
            throw CredentialSourceError(reason, "token endpoint: \(error.message)")
        }
        switch response.statusCode {
        case 200:
            return try Self.issuedToken(answer: response.body, receivedAt: SystemClock.wallSeconds())
        case 400, 401, 403:
            let error = (try? JSONValue.parse(response.body))?["error"]?.stringValue ?? "refused"
            throw CredentialSourceError(.unauthorized, "token endpoint refused the client credentials (\(response.statusCode) \(error))")
        case 429:
            throw CredentialSourceError(.rateLimited, "token endpoint: rate limited")
        default:
            throw CredentialSourceError(.unavailable, "token endpoint: \(response.statusCode)")
        }
    }

    /// Reads a token endpoint's 200 answer; pure, so that the fuzz harness can call it too.
    /// - Parameters:
    ///   - body: the answer's bytes.
    ///   - receivedAt: wall seconds (since 1970) the lifetime counts from.
    /// - Returns: the token, `token_type` defaulting to Bearer, expiring `expires_in` (3600 when
    ///   absent) after `receivedAt`, at most `longestLifetimeSeconds`.
    /// - Throws: `CredentialSourceError` `unavailable` when the answer has no `access_token` string.
    static func issuedToken(answer body: [UInt8], receivedAt: Double) throws(CredentialSourceError) -> IssuedToken {
        guard let value = try? JSONValue.parse(body), let token = value["access_token"]?.stringValue else {
            throw CredentialSourceError(.unavailable, "token endpoint: the answer has no access_token")
        }
        // RFC 6749's expires_in, clamped to a year: an absurd value (1e19) must stay a time
        // hookd can store, compare and print.
        let lifetime = (value["expires_in"]?.doubleValue ?? 3600).clamped(to: 0...longestLifetimeSeconds, ifNaN: 3600)
        return IssuedToken(accessToken: token, tokenType: value["token_type"]?.stringValue ?? "Bearer", expiresAt: receivedAt + lifetime)
    }
}
