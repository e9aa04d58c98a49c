/// How to reach Infisical and which secrets to read: a Universal Auth machine identity, a project,
/// an environment and a folder.
public struct InfisicalConfiguration: Sendable, Equatable {
    public enum API: String, Sendable {
        /// `GET /api/v4/secrets/{name}?projectId=…` (current servers).
        case v4
        /// `GET /api/v3/secrets/raw/{name}?workspaceId=…` (older self-hosted servers).
        case v3
    }

    public var siteURL: String
    public var clientID: String
    public var clientSecret: String
    public var projectID: String
    public var environment: String
    public var secretPath: String
    public var api: API
    /// One HTTP exchange, connect included.
    public var timeoutSeconds: Double
    /// Every try of one read together (429/5xx retries included): a caller never waits longer.
    public var retryBudgetSeconds: Double

    public init(siteURL: String, clientID: String, clientSecret: String, projectID: String, environment: String = "prod",
                secretPath: String = "/", api: API = .v4, timeoutSeconds: Double = 5, retryBudgetSeconds: Double = 3) {
        self.siteURL = siteURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.projectID = projectID
        self.environment = environment
        self.secretPath = secretPath
        self.api = api
        self.timeoutSeconds = timeoutSeconds
        self.retryBudgetSeconds = retryBudgetSeconds
    }
}
