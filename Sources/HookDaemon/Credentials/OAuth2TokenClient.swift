import HookCore
import HookHTTP
import HookJSON
import HookNumbers

/// Exchanges OAuth2 client credentials for an access token (RFC 6749 §4.4), over libcurl.
struct OAuth2TokenClient: OAuth2TokenIssuer {
    /// The longest `expires_in` taken from a token endpoint: a year.
    static let longestLifetimeSeconds = 31_536_000.0

    let http: HTTPClient

    func issueToken(_ credentials: OAuth2ClientCredentials, timeoutSeconds: Double) async throws(CredentialSourceError) -> IssuedToken {
        var fields = [("grant_type", "client_credentials"), ("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)]
        if let scope = credentials.scope { fields.append(("scope", scope)) }
        let request = HTTPRequest(
            method: "POST", url: credentials.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: PercentEncoding.form(fields), timeoutSeconds: timeoutSeconds)
        let response: HTTPResponse
        do throws(HTTPError) {
            response = try await http.send(request)
        } catch {
            throw CredentialSourceError(error.curlCode == 28 ? .timeout : .unavailable, "token endpoint: \(error.message)")
        }
        switch response.statusCode {
        case 200:
            guard let value = try? JSONValue.parse(response.body), let token = value["access_token"]?.stringValue else {
                throw CredentialSourceError(.unavailable, "token endpoint: the answer has no access_token")
            }
            // RFC 6749's expires_in, clamped to a year: an absurd value (1e19) must stay a time
            // hookd can store, compare and print.
            let lifetime = (value["expires_in"]?.doubleValue ?? 3600).clamped(to: 0...Self.longestLifetimeSeconds, ifNaN: 3600)
            return IssuedToken(accessToken: token, tokenType: value["token_type"]?.stringValue ?? "Bearer",
                               expiresAt: SystemClock.wallSeconds() + lifetime)
        case 400, 401, 403:
            let error = (try? JSONValue.parse(response.body))?["error"]?.stringValue ?? "refused"
            throw CredentialSourceError(.unauthorized, "token endpoint refused the client credentials (\(response.statusCode) \(error))")
        case 429:
            throw CredentialSourceError(.rateLimited, "token endpoint: rate limited")
        default:
            throw CredentialSourceError(.unavailable, "token endpoint: \(response.statusCode)")
        }
    }
}
