/// Where the credential service reports what it served and fetched, for metrics: the daemon
/// counts with swift-metrics; HookCore stays free of any metrics backend.
public protocol CredentialObserver: Sendable {
    /// One lookup answered by a tier: `hit`, `miss` (asked the next tier), `stale` (served past
    /// its TTL because the source failed) or `negative` (a recent "not found" answered from memory).
    func lookup(tier: CredentialLookup.Tier, result: CredentialLookupResult)
    /// One read from a credential source: `ok`, `missing` or `error`, and how long it took.
    func sourceFetch(source: CredentialSourceKind, outcome: CredentialFetchOutcome, seconds: Double)
}

public enum CredentialLookupResult: String, Sendable, CaseIterable {
    case hit, miss, stale, negative
}

public enum CredentialFetchOutcome: String, Sendable, CaseIterable {
    case ok, missing, error
}
