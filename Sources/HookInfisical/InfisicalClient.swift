import HookCore
import HookHTTP
import HookJSON
import Synchronization
import HookNumbers

/// Reads webhook credentials from Infisical with a Universal Auth machine identity, and writes
/// them for the migration tool.
///
/// The access token is obtained once, renewed before it expires (and replaced by a fresh login
/// when renewal is refused), and shared by every read; concurrent logins collapse into one.
/// Transient failures (429, 5xx, transport) are retried with backoff, honouring `Retry-After`,
/// within `retryBudgetSeconds`; a refused login is not retried for a while, because Infisical locks
/// an identity out after a few failures.
public final class InfisicalClient: CredentialSourceReader, Sendable {
    private struct Token {
        var value: String
        /// Monotonic seconds.
        var renewAt: Double
        var expiresAt: Double
        var maxExpiresAt: Double
    }

    private let configuration: InfisicalConfiguration
    private let http: HTTPClient
    private let now: @Sendable () -> Double
    private let token = Mutex<Token?>(nil)
    private let loginRefusedUntil = Mutex<(until: Double, reason: String)?>(nil)
    private let logins = SingleFlight<Int, Result<String, CredentialSourceError>>()
    /// After a refused login, how long before trying again (Infisical's lockout is 3 tries / 300 s).
    static let loginCooldownSeconds = 30.0
    /// The longest token lifetime (`expiresIn`, `accessTokenMaxTTL`) taken from the server: ten years.
    static let longestTokenLifetimeSeconds = 315_360_000.0

    /// What happened to the access token: `renewed`, `renewal_refused` (a fresh login follows),
    /// `logged_in` or `login_refused`; for metrics.
    public typealias TokenObserver = @Sendable (_ event: String) -> Void
    private let tokenObserver: TokenObserver?

    /// - Parameter now: monotonic seconds, injectable for tests.
    public init(configuration: InfisicalConfiguration, http: HTTPClient, now: @escaping @Sendable () -> Double,
                tokenObserver: TokenObserver? = nil) {
        self.configuration = configuration
        self.http = http
        self.now = now
        self.tokenObserver = tokenObserver
    }

    public func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        guard let name = reference ?? Webhook.defaultReference(for: webhook.key, in: .infisical) else { return nil }
        return try await readSecret(name)
    }

    /// The secret's current value straight from Infisical (no cache); nil when it does not exist.
    public func readSecret(_ name: String) async throws(CredentialSourceError) -> String? {
        let response = try await authorized(what: "reading \(name)") { accessToken in self.secretRequest(name, token: accessToken) }
        switch response.statusCode {
        case 200:
            guard let value = try? JSONValue.parse(response.body), let secret = value["secret"]?["secretValue"]?.stringValue else {
                throw CredentialSourceError(.unavailable, "infisical: unexpected response reading \(name)")
            }
            return secret
        case 404:
            return nil
        default:
            throw CredentialSourceError(.unavailable, "infisical: \(response.statusCode) reading \(name): \(Self.message(in: response))")
        }
    }

    /// What creating a secret found.
    public enum CreateOutcome: Sendable, Equatable {
        case created
        /// The name is taken (Infisical never overwrites on create): nothing was written.
        case alreadyExists
    }

    /// Creates the secret (`POST`), retried like reads; a name already taken is `.alreadyExists`.
    /// - Throws: `.unauthorized` when the identity may not write there (a read-only identity).
    public func createSecret(_ name: String, value: String) async throws(CredentialSourceError) -> CreateOutcome {
        let response = try await write("POST", name, value: value, what: "creating \(name)")
        switch response.statusCode {
        case 200, 201: return .created
        case 400 where Self.message(in: response).lowercased().contains("already exist"): return .alreadyExists
        default: throw CredentialSourceError(.unavailable, "infisical: \(response.statusCode) creating \(name): \(Self.message(in: response))")
        }
    }

    /// Replaces the value of an existing secret (`PATCH`; Infisical keeps the old one as a version).
    /// - Returns: false when there is no such secret.
    public func updateSecret(_ name: String, value: String) async throws(CredentialSourceError) -> Bool {
        let response = try await write("PATCH", name, value: value, what: "updating \(name)")
        switch response.statusCode {
        case 200: return true
        case 404: return false
        default: throw CredentialSourceError(.unavailable, "infisical: \(response.statusCode) updating \(name): \(Self.message(in: response))")
        }
    }

    /// Deletes the secret (`DELETE`). - Returns: false when there was none.
    public func deleteSecret(_ name: String) async throws(CredentialSourceError) -> Bool {
        let response = try await write("DELETE", name, value: nil, what: "deleting \(name)")
        switch response.statusCode {
        case 200: return true
        case 404: return false
        default: throw CredentialSourceError(.unavailable, "infisical: \(response.statusCode) deleting \(name): \(Self.message(in: response))")
        }
    }

    /// A write to `/api/v4/secrets/{name}` (or v3's raw path) with the project, environment and
    /// folder in the body, as Infisical's write routes take them.
    private func write(_ method: String, _ name: String, value: String?, what: String) async throws(CredentialSourceError) -> HTTPResponse {
        var body: JSONObject = [
            configuration.api == .v4 ? "projectId" : "workspaceId": .string(configuration.projectID),
            "environment": .string(configuration.environment), "secretPath": .string(configuration.secretPath),
        ]
        if let value { body["secretValue"] = .string(value) }
        let encoded = JSONValue.object(body).encoded()
        let path = configuration.api == .v4 ? "/api/v4/secrets/" : "/api/v3/secrets/raw/"
        let url = configuration.siteURL + path + PercentEncoding.encode(name)
        let response = try await authorized(what: what) { accessToken in
            HTTPRequest(method: method, url: url, headers: [("Authorization", "Bearer \(accessToken)"), ("Content-Type", "application/json"),
                                                            ("Accept", "application/json")],
                        body: encoded, timeoutSeconds: self.configuration.timeoutSeconds)
        }
        return response
    }

    /// Sends a request with the access token, logging in afresh once when Infisical no longer
    /// takes the token; a second refusal is the identity's access, reported as `.unauthorized`.
    private func authorized(what: String, _ request: (String) -> HTTPRequest) async throws(CredentialSourceError) -> HTTPResponse {
        let deadline = now() + configuration.retryBudgetSeconds
        var reloggedIn = false
        while true {
            let accessToken = try await validToken()
            let response = try await exchange(request(accessToken), deadline: deadline, what: what)
            switch response.statusCode {
            case 401 where !reloggedIn, 403 where !reloggedIn:
                // Infisical answers 403 (TokenError) for an expired or unknown token and 401 for a
                // revoked one: log in afresh, once, before judging the identity's access.
                token.withLock { $0 = nil }
                reloggedIn = true
            case 401, 403:
                throw CredentialSourceError(.unauthorized, "infisical: \(what) refused (\(response.statusCode)): \(Self.message(in: response)); check the identity's project access")
            default:
                return response
            }
        }
    }

    // MARK: - Token

    private func validToken() async throws(CredentialSourceError) -> String {
        let current = token.withLock { $0 }
        let time = now()
        if let current, time < current.renewAt { return current.value }
        if let current, time < current.expiresAt, time < current.maxExpiresAt - 1 {
            if let renewed = try? await renew(current.value) {
                tokenObserver?("renewed")
                return renewed
            }
            tokenObserver?("renewal_refused")
        }
        return try await logins.run(0) { [self] in
            do throws(CredentialSourceError) {
                return .success(try await login())
            } catch {
                return .failure(error)
            }
        }.get()
    }

    private func login() async throws(CredentialSourceError) -> String {
        if let refused = loginRefusedUntil.withLock({ $0 }), now() < refused.until {
            throw CredentialSourceError(.unauthorized, refused.reason)
        }
        let body: JSONValue = ["clientId": .string(configuration.clientID), "clientSecret": .string(configuration.clientSecret)]
        let request = HTTPRequest(method: "POST", url: "\(configuration.siteURL)/api/v1/auth/universal-auth/login",
                                  headers: [("Content-Type", "application/json")], body: body.encoded(), timeoutSeconds: configuration.timeoutSeconds)
        let response = try await exchange(request, deadline: now() + configuration.retryBudgetSeconds, what: "logging in")
        switch response.statusCode {
        case 200:
            tokenObserver?("logged_in")
            return try adopt(response, what: "login")
        case 400, 401, 403, 404:
            let reason = "infisical: login refused (\(response.statusCode)): \(Self.message(in: response)); not retrying for \(Int(clamping: Self.loginCooldownSeconds)) s"
            loginRefusedUntil.withLock { $0 = (now() + Self.loginCooldownSeconds, reason) }
            tokenObserver?("login_refused")
            throw CredentialSourceError(.unauthorized, reason)
        default:
            throw CredentialSourceError(.unavailable, "infisical: login failed (\(response.statusCode)): \(Self.message(in: response))")
        }
    }

    private func renew(_ accessToken: String) async throws(CredentialSourceError) -> String {
        let body: JSONValue = ["accessToken": .string(accessToken)]
        let request = HTTPRequest(method: "POST", url: "\(configuration.siteURL)/api/v1/auth/token/renew",
                                  headers: [("Content-Type", "application/json")], body: body.encoded(), timeoutSeconds: configuration.timeoutSeconds)
        let response = try await exchange(request, deadline: now() + configuration.timeoutSeconds, what: "renewing the token")
        guard response.statusCode == 200 else {
            token.withLock { $0 = nil }
            throw CredentialSourceError(.unauthorized, "infisical: token renewal refused (\(response.statusCode))")
        }
        return try adopt(response, what: "renewal")
    }

    /// What a login or renewal answer grants: the token and its lifetimes, already clamped.
    struct TokenGrant: Equatable {
        var accessToken: String
        /// `expiresIn`, in `0...longestTokenLifetimeSeconds`.
        var lifetime: Double
        /// `accessTokenMaxTTL` (0 when absent: no maximum), in `0...longestTokenLifetimeSeconds`.
        var maximumLifetime: Double
    }

    /// Reads a login or renewal answer's body; pure, so that the fuzz harness can call it too.
    /// - Parameters:
    ///   - body: the 200 answer's bytes.
    ///   - what: "login" or "renewal", for the error.
    /// - Throws: `CredentialSourceError` `unavailable` when the body has no `accessToken` string
    ///   or no numeric `expiresIn`.
    static func tokenGrant(in body: [UInt8], what: String) throws(CredentialSourceError) -> TokenGrant {
        guard let value = try? JSONValue.parse(body), let accessToken = value["accessToken"]?.stringValue,
              let advertisedLifetime = value["expiresIn"]?.doubleValue else {
            throw CredentialSourceError(.unavailable, "infisical: unexpected \(what) response")
        }
        // Lifetimes from the server, clamped to ten years: an absurd value (1e300) must keep the
        // renewal arithmetic finite and ordered, never trap or overflow a timer.
        let lifetime = advertisedLifetime.clamped(to: 0...longestTokenLifetimeSeconds, ifNaN: 0)
        let maximumLifetime = (value["accessTokenMaxTTL"]?.doubleValue ?? 0).clamped(to: 0...longestTokenLifetimeSeconds, ifNaN: 0)
        return TokenGrant(accessToken: accessToken, lifetime: lifetime, maximumLifetime: maximumLifetime)
    }

    /// Stores the token from a login or renewal answer; renews when 80% of its life has passed.
    private func adopt(_ response: HTTPResponse, what: String) throws(CredentialSourceError) -> String {
        let grant = try Self.tokenGrant(in: response.body, what: what)
        let time = now()
        let previousMax = token.withLock { $0?.maxExpiresAt }
        let maxExpiresAt = grant.maximumLifetime > 0 ? (previousMax ?? time + grant.maximumLifetime) : .infinity
        token.withLock {
            $0 = Token(value: grant.accessToken, renewAt: time + grant.lifetime * 0.8, expiresAt: time + grant.lifetime,
                       maxExpiresAt: maxExpiresAt)
        }
        return grant.accessToken
    }

    // MARK: - HTTP

    private func secretRequest(_ name: String, token accessToken: String) -> HTTPRequest {
        let projectParameter = configuration.api == .v4 ? "projectId" : "workspaceId"
        let path = configuration.api == .v4 ? "/api/v4/secrets/" : "/api/v3/secrets/raw/"
        let query = [(projectParameter, configuration.projectID), ("environment", configuration.environment), ("secretPath", configuration.secretPath)]
            .map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        return HTTPRequest(url: configuration.siteURL + path + PercentEncoding.encode(name) + "?" + query,
                           headers: [("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")],
                           timeoutSeconds: configuration.timeoutSeconds)
    }

    /// Sends `request`, retrying 429, 5xx and transport failures with backoff (honouring
    /// Retry-After) until `deadline`; any other answer is returned for the caller to judge.
    private func exchange(_ request: HTTPRequest, deadline: Double, what: String) async throws(CredentialSourceError) -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            var request = request
            request.timeoutSeconds = max(0.05, min(configuration.timeoutSeconds, deadline - now()))
            let outcome: Result<HTTPResponse, HTTPError>
            do throws(HTTPError) {
                outcome = .success(try await http.send(request))
            } catch {
                outcome = .failure(error)
            }
            var wait = min(2.0, 0.1 * Double(1 << min(attempt - 1, 5)))
            let failure: CredentialSourceError
            switch outcome {
            case .success(let response) where response.statusCode == 429:
                wait = Self.retryAfter(response) ?? wait
                failure = CredentialSourceError(.rateLimited, "infisical: rate limited while \(what)")
            case .success(let response) where response.statusCode >= 500:
                wait = Self.retryAfter(response) ?? wait
                failure = CredentialSourceError(.unavailable, "infisical: \(response.statusCode) while \(what)")
            case .success(let response):
                return response
            case .failure(let error):
                let timedOut = error.curlCode == 28
                failure = CredentialSourceError(timedOut ? .timeout : .unavailable, "infisical: \(error.message) while \(what)")
            }
            guard now() + wait < deadline else { throw failure }
            try? await Task.sleep(for: .milliseconds(Int64(clamping: wait * 1000)))
        }
    }

    /// Infisical's `Retry-After`, at most a minute: a retry past that misses every caller's deadline anyway.
    private static func retryAfter(_ response: HTTPResponse) -> Double? {
        response.retryAfterSeconds(maximum: 60)
    }

    /// Infisical's error text (`message`), shortened; it never carries a secret value.
    private static func message(in response: HTTPResponse) -> String {
        let text = (try? JSONValue.parse(response.body))?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
        return String(text.prefix(200))
    }
}
