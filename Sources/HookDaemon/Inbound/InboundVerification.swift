import HookCore
import HookJSON
import HookRPC
import HookRedis
import Logging

/// `inbound.verify`'s work: finds an IN webhook's definition and signing secret, checks the
/// request's signature with `SignatureVerifier`, refuses a replayed event id (in this process and,
/// with Redis on, across every hookd sharing it), then writes a `webhook_inbound` log line and
/// records the outcome for alerting (a refused signature counts as an auth failure).
final class InboundVerification: Sendable {
    /// One request to check, as the caller received it.
    struct Request: Sendable {
        var key: WebhookKey
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var url: String?
        var params: [(String, String)]?
        /// Unix seconds at which the request was received.
        var receivedAt: Double
    }

    /// Where replays are caught: this process only, or the fleet through Redis.
    enum ReplayScope: String, Sendable {
        case host, fleet
    }

    /// Reasons beyond the signature's own (`VerificationFailure`).
    static let replayed = "replayed"
    static let unknownWebhook = "unknown_webhook"
    static let noSecret = "no_secret"

    private let registry: WebhookRegistry
    private let credentials: CredentialService
    private let alerts: AlertSubsystem
    private let memory: ReplayGuard
    private let fleet: RedisReplayLedger?
    private let blocking = BlockingQueue(label: "hookd.inbound.replay")
    private let incidents: IncidentLogger
    private let logger: Logger

    init(registry: WebhookRegistry, credentials: CredentialService, alerts: AlertSubsystem, memory: ReplayGuard = ReplayGuard(),
         fleet: RedisReplayLedger?, incidents: IncidentLogger, logger: Logger) {
        self.registry = registry
        self.credentials = credentials
        self.alerts = alerts
        self.memory = memory
        self.fleet = fleet
        self.incidents = incidents
        self.logger = logger
    }

    /// The verification of a daemon's configuration: with Redis on, replays are caught fleet-wide.
    static func make(configuration: DaemonConfiguration, credentials: CredentialSubsystem, alerts: AlertSubsystem,
                     incidents: IncidentLogger, logger: Logger) -> InboundVerification {
        let fleet = configuration.redis.enabled
            ? RedisReplayLedger(endpoint: configuration.redis.endpoint, keyPrefix: configuration.redis.keyPrefix) : nil
        return InboundVerification(registry: credentials.registry, credentials: credentials.service, alerts: alerts, fleet: fleet,
                                   incidents: incidents, logger: logger)
    }

    /// Bodies up to this size are checked on the connection's event loop when nothing has to be
    /// waited for; a larger one's HMAC runs in a task, so that it never holds other connections up.
    static let inlineBodyLimit = 64 * 1024

    /// Checks one request: `{valid, scheme, reason?, event_id?, timestamp?, signed_with?}`.
    ///
    /// Answered at once (`.value`) when the definition and the secret are in memory and no Redis
    /// claim is needed, the common case on the hot path; otherwise the rest runs later (`.later`).
    /// - Throws: `RPCError` for a caller's mistake (`-32602`: no `url` for twilio, no
    ///   `inbound.generic` for generic) or a registry or credential source that failed; an
    ///   invalid signature, an unknown webhook and a missing secret are results.
    func start(_ request: Request) throws(RPCError) -> MethodResult {
        let started = SystemClock.wallSeconds()
        guard request.body.count <= Self.inlineBodyLimit, let read = registry.cachedWebhook(request.key) else {
            return .later { () throws(RPCError) -> JSONValue in try await self.verify(request, started: started) }
        }
        guard let webhook = read.webhook else { return .value(finishUnverified(request, reason: Self.unknownWebhook)) }
        guard webhook.authType == .hmac else { return .value(finishUnverified(request, reason: Self.noSecret)) }
        guard let hit = credentials.cachedLookup(request.key) else {
            return .later { () throws(RPCError) -> JSONValue in try await self.verify(request, started: started) }
        }
        let judged: Judgement
        switch try judge(request, webhook: webhook, credential: hit.credential.credential) {
        case .unverified(let reason): return .value(finishUnverified(request, reason: reason))
        case .judged(let found): judged = found
        }
        guard let claim = judged.claim else { return .value(finish(request, judged, replayed: false, scope: nil, started: started)) }
        let first = memory.claim(claim.memoryKey, window: claim.window, now: SystemClock.wallSeconds())
        guard first, fleet != nil else {
            return .value(finish(request, judged, replayed: !first, scope: fleet == nil ? .host : .fleet, started: started))
        }
        return .later { () throws(RPCError) -> JSONValue in
            let (first, scope) = await self.claimAcrossHosts(claim)
            return self.finish(request, judged, replayed: !first, scope: scope, started: started)
        }
    }

    /// The whole check, waiting for the registry, the credential and Redis as needed.
    private func verify(_ request: Request, started: Double) async throws(RPCError) -> JSONValue {
        let key = request.key
        let webhook: Webhook
        do throws(CredentialError) {
            guard let found = try await registry.recentWebhook(key) else { return finishUnverified(request, reason: Self.unknownWebhook) }
            webhook = found
        } catch {
            throw RPCError(error, incidents: incidents, method: MethodName.inboundVerify)
        }
        guard webhook.authType == .hmac else { return finishUnverified(request, reason: Self.noSecret) }
        let credential: JSONValue
        do throws(CredentialError) {
            credential = try await credentials.lookup(key).credential.credential
        } catch {
            switch error {
            case .unknownWebhook: return finishUnverified(request, reason: Self.unknownWebhook)
            case .missing, .recentlyMissing: return finishUnverified(request, reason: Self.noSecret)
            default: throw RPCError(error, incidents: incidents, method: MethodName.inboundVerify)
            }
        }
        let judged: Judgement
        switch try judge(request, webhook: webhook, credential: credential) {
        case .unverified(let reason): return finishUnverified(request, reason: reason)
        case .judged(let found): judged = found
        }
        guard let claim = judged.claim else { return finish(request, judged, replayed: false, scope: nil, started: started) }
        guard memory.claim(claim.memoryKey, window: claim.window, now: SystemClock.wallSeconds()) else {
            return finish(request, judged, replayed: true, scope: fleet == nil ? .host : .fleet, started: started)
        }
        let (first, scope) = fleet == nil ? (true, ReplayScope.host) : await claimAcrossHosts(claim)
        return finish(request, judged, replayed: !first, scope: scope, started: started)
    }

    /// A request's signature as judged, and the event id a valid one must claim.
    private struct Judgement: Sendable {
        var scheme: SignatureScheme
        var verification: SignatureVerification
        var claim: EventClaim?
    }

    /// A valid request's event id, remembered for `window` seconds.
    private struct EventClaim: Sendable {
        var code: String
        var eventID: String
        var window: Double
        var memoryKey: String { "\(code)\u{1F}\(eventID)" }
    }

    private enum JudgeOutcome {
        case judged(Judgement)
        /// Nothing to verify with: the reason is a result.
        case unverified(String)
    }

    /// Checks the signature with the webhook's secret and settings (no waiting).
    private func judge(_ request: Request, webhook: Webhook, credential: JSONValue) throws(RPCError) -> JudgeOutcome {
        let scheme = credential["scheme"]?.stringValue.flatMap(SignatureScheme.init(rawValue:)) ?? .standardWebhooks
        let keys: SigningKeys
        do throws(SigningKeyError) {
            guard let found = try SigningKeys.fromCredential(credential, scheme: scheme, acceptingAnyForm: true) else {
                return .unverified(Self.noSecret)
            }
            keys = found
        } catch {
            throw RPCError(.credentialUnavailable, "credential of \(request.key): field 'secret' \(error.description)")
        }
        let verification: SignatureVerification
        do throws(SignatureInputError) {
            verification = try SignatureVerifier.verify(
                scheme: scheme, generic: webhook.inbound.generic, keys: keys, headers: request.headers, body: request.body, url: request.url,
                params: request.params, now: request.receivedAt, tolerance: webhook.inbound.tolerance)
        } catch {
            switch error {
            case .urlRequired: throw .invalidParams(JSONAccessError(key: "url", problem: .invalid(reason: "is required: \(error.description)")))
            case .genericSettingsRequired:
                throw RPCError(WebhookValidationError(field: "inbound.generic", reason: "is required in the webhook's definition: \(error.description)"))
            }
        }
        var claim: EventClaim? = nil
        if verification.valid, let eventID = verification.eventID {
            let window = webhook.inbound.replayWindow(timestamp: verification.timestamp, now: request.receivedAt)
            claim = EventClaim(code: request.key.code, eventID: eventID, window: window)
        }
        return .judged(Judgement(scheme: scheme, verification: verification, claim: claim))
    }

    /// The answer to a judged request, logged and recorded for alerting.
    private func finish(_ request: Request, _ judged: Judgement, replayed: Bool, scope: ReplayScope?, started: Double) -> JSONValue {
        let verification = judged.verification
        let reason = replayed ? Self.replayed : verification.reason?.rawValue
        let valid = reason == nil
        let result = Self.result(valid: valid, scheme: judged.scheme.rawValue, reason: reason, verification: verification)
        let finished = SystemClock.wallSeconds()
        log(request, scheme: judged.scheme.rawValue, valid: valid, reason: reason, verification: verification, scope: scope, at: finished)
        record(code: request.key.code, valid: valid, reason: reason, duration: finished - started, at: finished)
        return result
    }

    /// Enters an event id (already new to this host) in Redis. Redis failing falls back to this
    /// host's memory, with a warning.
    private func claimAcrossHosts(_ claim: EventClaim) async -> (first: Bool, scope: ReplayScope) {
        guard let fleet else { return (true, .host) }
        let seconds = Int(claim.window.rounded(.up))
        let answer = await blocking.run { () -> Result<Bool, RedisError> in
            Result { () throws(RedisError) in try fleet.claim(code: claim.code, eventID: claim.eventID, windowSeconds: seconds) }
        }
        switch answer {
        case .success(let first): return (first, .fleet)
        case .failure(let error):
            logger.warning("inbound: replay protection across hosts unavailable, this host's only: \(error.description)")
            return (true, .host)
        }
    }

    /// The answer, logged, when nothing could be verified: no such IN webhook, or no secret to
    /// verify with (not an hmac webhook, or its credential is missing from its source). Not an
    /// outcome for alerting: the sender's signature was never judged.
    private func finishUnverified(_ request: Request, reason: String) -> JSONValue {
        log(request, scheme: nil, valid: false, reason: reason, verification: nil, scope: nil, at: SystemClock.wallSeconds())
        return Self.refusal(reason, scheme: nil)
    }

    private static func refusal(_ reason: String, scheme: String?) -> JSONValue {
        ["valid": false, "scheme": scheme.map(JSONValue.string) ?? .null, "reason": .string(reason)]
    }

    private static func result(valid: Bool, scheme: String, reason: String?, verification: SignatureVerification) -> JSONValue {
        var object: JSONObject = ["valid": .bool(valid), "scheme": .string(scheme)]
        if let reason { object["reason"] = .string(reason) }
        if let eventID = verification.eventID { object["event_id"] = .string(eventID) }
        if let timestamp = verification.timestamp { object["timestamp"] = .integer(Int64(timestamp)) }
        if valid, let signedWith = verification.signedWith { object["signed_with"] = .string(signedWith.rawValue) }
        return .object(object)
    }

    /// One `webhook_inbound` line: never a header, the signature or the secret; an event id built
    /// from the signature only as its hash.
    private func log(_ request: Request, scheme: String?, valid: Bool, reason: String?, verification: SignatureVerification?,
                     scope: ReplayScope?, at moment: Double) {
        var line: JSONObject = [
            "event": "webhook_inbound", "webhook_code": .string(request.key.code), "direction": .string(request.key.direction.rawValue),
            "scheme": scheme.map(JSONValue.string) ?? .null, "valid": .bool(valid), "reason": reason.map(JSONValue.string) ?? .null,
        ]
        if let logged = verification?.loggedEventID { line[logged.key] = .string(logged.value) }
        if let timestamp = verification?.timestamp { line["signed_timestamp"] = .integer(Int64(timestamp)) }
        if valid, let signedWith = verification?.signedWith { line["signed_with"] = .string(signedWith.rawValue) }
        if let scope { line["replay_scope"] = .string(scope.rawValue) }
        line["body_bytes"] = .integer(Int64(request.body.count))
        line["received_at"] = .string(ISO8601.format(request.receivedAt, fractionalDigits: 3))
        line["timestamp"] = .string(ISO8601.format(moment, fractionalDigits: 3))
        let value = JSONValue.object(line)
        alerts.emit(topic: "webhook/inbound/\(request.key.code)") { value }
    }

    /// The outcome for alerting, as `alert.record` would count it: valid is a success; a refused
    /// signature (missing, malformed, bad, out of tolerance) an auth failure (401); a replay a
    /// failure (409).
    private func record(code: String, valid: Bool, reason: String?, duration: Double, at moment: Double) {
        let status = valid ? 200 : (reason == Self.replayed ? 409 : 401)
        let call = CallRecord(webhookCode: code, direction: .inbound, success: valid, duration: max(0, duration), statusCode: status,
                              timestamp: moment)
        alerts.record(call)
    }
}
