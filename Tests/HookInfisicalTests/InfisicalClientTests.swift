import Foundation
import HookCore
import HookHTTP
import HookInfisical
import HookJSON
import Testing

/// `InfisicalClient` against the Infisical stand-in, each test on a server of its own.
@Suite("InfisicalClient")
struct InfisicalClientTests {
    static let clientID = "hookd-unit-identity"
    static let clientSecret = "st.unit-client-secret-5d1e"
    static let secretValue = "sk_fake_from_infisical_8c2b"
    static let webhook = Webhook(key: try! WebhookKey(code: "STRIPE_PAYMENT", direction: .outbound),
                                 url: "https://api.stripe.example/hook", authType: .bearer)
    static let secretName = "WEBHOOK_STRIPE_PAYMENT_OUT"

    /// Seconds on a monotonic clock, from when the client was made.
    static func monotonicSeconds() -> @Sendable () -> Double {
        let origin = ContinuousClock.now
        return { (ContinuousClock.now - origin) / .seconds(1) }
    }

    /// Runs `body` with a server holding the test identity and secret, and a client for it.
    static func withClient<Result>(
        api: InfisicalConfiguration.API = .v4, clientSecret: String = clientSecret, expiresIn: Double = 7200,
        retryBudgetSeconds: Double = 3, _ body: (InfisicalClient, InfisicalTestServer) async throws -> Result
    ) async throws -> Result {
        try await InfisicalTestServer.with { server in
            try await server.addIdentity(clientID: Self.clientID, clientSecret: Self.clientSecret, expiresIn: expiresIn)
            try await server.setSecret(Self.secretName, Self.secretValue)
            let http = HTTPClient()
            let configuration = InfisicalConfiguration(
                siteURL: server.siteURL, clientID: Self.clientID, clientSecret: clientSecret, projectID: InfisicalTestServer.projectID,
                environment: InfisicalTestServer.environment, api: api, timeoutSeconds: 2, retryBudgetSeconds: retryBudgetSeconds)
            let client = InfisicalClient(configuration: configuration, http: http, now: monotonicSeconds())
            do {
                let result = try await body(client, server)
                await http.shutdown()
                return result
            } catch {
                await http.shutdown()
                throw error
            }
        }
    }

    /// The error a read fails with, or nil when it succeeds.
    static func failure(of read: () async throws(CredentialSourceError) -> String?) async -> CredentialSourceError? {
        do {
            _ = try await read()
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Reading

    @Test("a secret is read through the v4 API under the webhook's default name")
    func readV4() async throws {
        try await Self.withClient { client, _ in
            let value = try await client.read(nil, for: Self.webhook)
            #expect(value == Self.secretValue)
        }
    }

    @Test("a secret is read through the v3 API")
    func readV3() async throws {
        try await Self.withClient(api: .v3) { client, _ in
            let value = try await client.read(Self.secretName, for: Self.webhook)
            #expect(value == Self.secretValue)
        }
    }

    @Test("an explicit reference names the secret read")
    func readByReference() async throws {
        try await Self.withClient { client, server in
            try await server.setSecret("stripe-live", "other-value")
            #expect(try await client.read("stripe-live", for: Self.webhook) == "other-value")
        }
    }

    @Test("a missing secret reads nil")
    func missingSecretIsNil() async throws {
        try await Self.withClient { client, _ in
            let value = try await client.read("NO_SUCH_SECRET", for: Self.webhook)
            #expect(value == nil)
        }
    }

    @Test("one login serves many reads")
    func loginIsShared() async throws {
        try await Self.withClient { client, server in
            for _ in 0..<3 { _ = try await client.read(nil, for: Self.webhook) }
            #expect(try await server.requests("login") == 1)
            #expect(try await server.requests("read") == 3)
        }
    }

    // MARK: - Retries

    @Test("a 429 with Retry-After 1 is waited out and the read then succeeds")
    func rateLimitRetried() async throws {
        try await Self.withClient(retryBudgetSeconds: 3) { client, server in
            _ = try await client.read(nil, for: Self.webhook)
            try await server.configure(["failNext": ["status": 429, "count": 1, "retryAfter": 1, "kinds": ["read"]]])
            let started = ContinuousClock.now
            #expect(try await client.read(nil, for: Self.webhook) == Self.secretValue)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(try await server.requests("read") == 3)
        }
    }

    @Test("a server that stays down fails the read as unavailable within the retry budget")
    func downIsUnavailableAfterBudget() async throws {
        try await Self.withClient(retryBudgetSeconds: 1) { client, server in
            _ = try await client.read(nil, for: Self.webhook)
            try await server.configure(["down": true])
            let started = ContinuousClock.now
            let error = await Self.failure { () async throws(CredentialSourceError) in try await client.read(nil, for: Self.webhook) }
            let elapsed = ContinuousClock.now - started
            #expect(error?.reason == .unavailable)
            #expect(elapsed >= .milliseconds(500))
            #expect(elapsed < .milliseconds(1500))
            #expect(try await server.requests("read") > 2)
        }
    }

    // MARK: - Identity

    @Test("an expired token gets one fresh login and the read succeeds")
    func expiredTokenReLogsIn() async throws {
        try await Self.withClient { client, server in
            _ = try await client.read(nil, for: Self.webhook)
            try await server.call("POST", "expire-tokens")
            try await server.call("POST", "reset-stats")
            #expect(try await client.read(nil, for: Self.webhook) == Self.secretValue)
            #expect(try await server.requests("login") == 1)
        }
    }

    @Test("a wrong client secret is unauthorized")
    func wrongSecretUnauthorized() async throws {
        try await Self.withClient(clientSecret: "st.wrong-secret") { client, _ in
            let error = await Self.failure { () async throws(CredentialSourceError) in try await client.read(nil, for: Self.webhook) }
            #expect(error?.reason == .unauthorized)
        }
    }

    @Test("after a refused login, a read within 30 s does not log in again")
    func refusedLoginCoolsDown() async throws {
        try await Self.withClient(clientSecret: "st.wrong-secret") { client, server in
            _ = await Self.failure { () async throws(CredentialSourceError) in try await client.read(nil, for: Self.webhook) }
            let second = await Self.failure { () async throws(CredentialSourceError) in try await client.read(nil, for: Self.webhook) }
            let logins = try await server.requests("login")
            #expect(second?.reason == .unauthorized)
            #expect(logins == 1)
        }
    }

    @Test("an error never carries the client secret")
    func errorOmitsClientSecret() async throws {
        try await Self.withClient(clientSecret: "st.wrong-secret") { client, _ in
            let error = await Self.failure { () async throws(CredentialSourceError) in try await client.read(nil, for: Self.webhook) }
            #expect(error.map { !$0.message.contains("st.wrong-secret") } ?? false)
        }
    }

    @Test("the token is renewed once 80% of its life has passed, not before")
    func tokenRenewedAfterEightyPercent() async throws {
        try await Self.withClient(expiresIn: 1.5) { client, server in
            _ = try await client.read(nil, for: Self.webhook)
            try await Task.sleep(for: .milliseconds(500))
            _ = try await client.read(nil, for: Self.webhook)
            #expect(try await server.requests("renew") == 0)

            try await Task.sleep(for: .milliseconds(800))
            #expect(try await client.read(nil, for: Self.webhook) == Self.secretValue)
            #expect(try await server.requests("renew") == 1)
            #expect(try await server.requests("login") == 1)
        }
    }

    // MARK: - Secrecy

    @Test("the server's log never shows the secret value or the client secret")
    func logNeverShowsSecrets() async throws {
        try await Self.withClient { client, server in
            _ = try await client.read(nil, for: Self.webhook)
            // The server logs a request after answering it: wait (bounded) for the read's line.
            let deadline = ContinuousClock.now + .seconds(2)
            while !server.log.contains("kind=read") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let log = server.log
            #expect(log.contains("kind=read"))
            #expect(!log.contains(Self.secretValue))
            #expect(!log.contains(Self.clientSecret))
        }
    }
}
