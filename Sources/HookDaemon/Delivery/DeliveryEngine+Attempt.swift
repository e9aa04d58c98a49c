import HookCore
import HookHTTP
import HookJSON
import HookNumbers
import HookStore

extension DeliveryEngine {
    /// One attempt: build the request (credential applied in here), send it, log both lines,
    /// record the outcome for alerting and the breaker, decide what happens next, commit it.
    func attempt(_ record: DeliveryRecord) async {
        let number = record.attemptCount + 1
        let startedAt = SystemClock.wallSeconds()
        let guid = StructuredLogEvent.newGUID()
        let prepared = await prepare(record)
        var masker = dependencies.masker
        let outcome: AttemptOutcome
        var attempt = DeliveryAttempt(number: number, at: startedAt, durationMilliseconds: 0)
        var retryAfter: Double?
        var policy = StatusPolicy.standard
        switch prepared {
        case .failure(let problem) where problem.holdsWebhookBack:
            // Disabled: its deliveries wait in the queue, unattempted, until it is enabled again.
            await holdBack(code: record.code, releasing: [record.id])
            return
        case .failure(let problem):
            // Nothing was sent: no log lines, no alerting; the delivery retries by the schedule.
            attempt.error = problem.kind
            await finish(record, attempt: attempt, decision: problem.isFinal ? .dead(reason: .rejected) : .retry,
                         deadReason: problem.isFinal ? problem.kind : nil, retryAfter: nil, now: startedAt)
            return
        case .success(let request):
            policy = request.statusPolicy
            masker = masker.adding(knownSecrets: request.secrets)
            logRequest(record, number: number, request: request, guid: guid, masker: masker, at: startedAt)
            let started = SystemClock.monotonicSeconds()
            do throws(HTTPError) {
                let response = try await http.send(request.http)
                attempt.statusCode = response.statusCode
                attempt.durationMilliseconds = (SystemClock.monotonicSeconds() - started) * 1000
                let body = String(decoding: response.body, as: UTF8.self)
                attempt.responsePreview = body.isEmpty ? nil : masker.bodyPreview(body)
                outcome = .response(statusCode: response.statusCode)
                if response.statusCode == 429 || response.statusCode == 503 {
                    retryAfter = response.header(named: "Retry-After").flatMap { RetrySchedule.parseRetryAfter($0, now: SystemClock.wallSeconds()) }
                }
                logResponse(record, number: number, statusCode: response.statusCode, body: body, error: nil,
                            seconds: attempt.durationMilliseconds / 1000, guid: guid, masker: masker, sandbox: request.sandbox)
            } catch {
                attempt.durationMilliseconds = (SystemClock.monotonicSeconds() - started) * 1000
                switch error.curlCode {
                case 28: (outcome, attempt.error) = (.timeout, "timeout")
                case HTTPError.blockedAddressCode: (outcome, attempt.error) = (.blockedAddress, "blocked_address")
                default: (outcome, attempt.error) = (.connectionFailed, "connection_failed")
                }
                logResponse(record, number: number, statusCode: nil, body: nil, error: masker.maskText(ValidationService.transferFailure(error)),
                            seconds: attempt.durationMilliseconds / 1000, guid: guid, masker: masker, sandbox: request.sandbox)
            }
        }
        let succeeded: Bool
        if case .response(let status) = outcome { succeeded = (200..<300).contains(status) } else { succeeded = false }
        dependencies.recordCall(CallRecord(webhookCode: record.code, direction: record.direction, success: succeeded,
                                           duration: attempt.durationMilliseconds / 1000, statusCode: attempt.statusCode, timestamp: startedAt))
        noteBreaker(code: record.code, success: succeeded)
        // Once fetched afresh for this delivery, a later 401/403 follows the schedule.
        let alreadyRefreshed = scheduler.withLock { $0.refreshed.contains(record.id) }
        let decision = policy.decision(for: outcome, credentialAlreadyRefreshed: alreadyRefreshed)
        if decision == .gone { await disableGone(record) }
        if decision == .refreshCredentialAndRetryNow {
            // The credential was most likely rotated: fetch it afresh, everywhere, and try once more now.
            _ = await dependencies.credentials.invalidate(code: record.code, direction: record.direction)
            scheduler.withLock { _ = $0.refreshed.insert(record.id) }
        }
        await finish(record, attempt: attempt, decision: decision, deadReason: decision.deadReason?.rawValue, retryAfter: retryAfter,
                     now: SystemClock.wallSeconds())
    }

    /// Commits an attempt's outcome and wakes whoever waits for it.
    private func finish(_ record: DeliveryRecord, attempt: DeliveryAttempt, decision: DeliveryDecision, deadReason: String?,
                        retryAfter: Double?, now: Double) async {
        let outcome: DeliveryAttempt.Outcome
        switch decision {
        case .delivered:
            outcome = .delivered
        case .refreshCredentialAndRetryNow:
            outcome = .retry(at: now)
        case .retry:
            let refetches = scheduler.withLock { $0.refreshed.contains(record.id) } ? 1 : 0
            var generator = SystemRandomNumberGenerator()
            // The webhook's own `retry` over `delivery.retry`, as its definition reads now.
            if let next = retrySchedule(for: record).nextAttemptTime(afterFailedAttempt: attempt.number - refetches, firstAttemptAt: record.createdAt,
                                                          now: now, retryAfter: retryAfter, using: &generator) {
                outcome = .retry(at: next)
            } else {
                outcome = .dead(reason: DeadReason.exhausted.rawValue)
            }
        case .gone, .dead:
            outcome = .dead(reason: deadReason ?? DeadReason.rejected.rawValue)
        }
        switch outcome {
        case .delivered: dependencies.recordAttempt("delivered")
        case .retry: dependencies.recordAttempt("retry")
        case .dead: dependencies.recordAttempt("dead")
        }
        if case .retry = outcome {} else {
            scheduler.withLock { _ = $0.refreshed.remove(record.id) }
        }
        do throws(StoreError) {
            let updated = try await outcomes.submit(DeliveryAttempt.Report(deliveryID: record.id, attempt: attempt, outcome: outcome))
            if let updated {
                waiters.attemptEnded(updated, attempt: attempt)
                announceStatus(updated, attempt: attempt)
                if updated.status == .dead { dependencies.reportAlertChange(.deliveryDead(code: updated.code)) }
            }
        } catch {
            // Left in flight: the next start sends it again (at least once).
            dependencies.logger.error("delivery: cannot record attempt \(attempt.number) of \(record.id): \(error)")
        }
    }

    /// A delivery's state after an attempt, on `webhook/deliveries/<code>`.
    private func announceStatus(_ record: DeliveryRecord, attempt: DeliveryAttempt) {
        let line: JSONValue = [
            "event": "delivery_attempt", "webhook_code": .string(record.code), "delivery_id": .string(record.id.rawValue),
            "attempt": .integer(Int64(attempt.number)), "status": .string(record.status.rawValue),
            "status_code": attempt.statusCode.map { .integer(Int64($0)) } ?? .null,
            "error": attempt.error.map(JSONValue.string) ?? .null,
            "dead_reason": record.deadReason.map(JSONValue.string) ?? .null,
            "timestamp": .string(ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3)),
        ]
        dependencies.emit("webhook/deliveries/\(record.code)") { line }
    }

    /// A request ready to send, and the secret values it carries (for masking).
    struct PreparedRequest: Sendable {
        var http: HTTPRequest
        var secrets: [String]
        var displayURL: String
        var credentialSource: CredentialSourceKind
        /// The webhook's `status_policy` over the defaults.
        var statusPolicy: StatusPolicy
        /// Routed to the testing sandbox (`sandbox.route`): its log lines say so.
        var sandbox: Bool
    }

    /// Why a delivery could not even be sent: `kind` is the attempt's `error`.
    struct PreparationProblem: Error {
        var kind: String
        /// The definition can never be sent (no URL, a credential that must not go in clear text):
        /// the delivery is dead rather than retried.
        var isFinal: Bool
        /// The webhook is disabled: the delivery goes back to the queue unattempted.
        var holdsWebhookBack = false
    }

    /// The webhook's method, URL and headers with the credential applied and `webhook-id`.
    private func prepare(_ record: DeliveryRecord) async -> Result<PreparedRequest, PreparationProblem> {
        guard let payload = record.payload, let key = try? WebhookKey(code: record.code, direction: record.direction) else {
            return .failure(PreparationProblem(kind: "unknown_webhook", isFinal: true))
        }
        let webhook: Webhook
        do throws(CredentialError) {
            guard let found = try await definition(key) else { return .failure(PreparationProblem(kind: "unknown_webhook", isFinal: true)) }
            webhook = found
        } catch {
            return .failure(PreparationProblem(kind: "registry_unavailable", isFinal: false))
        }
        guard webhook.enabled else {
            return .failure(PreparationProblem(kind: "webhook_disabled", isFinal: false, holdsWebhookBack: true))
        }
        guard webhook.type == .http, let url = webhook.callURL, !url.isEmpty else {
            return .failure(PreparationProblem(kind: "no_url", isFinal: true))
        }
        let carriesCredential = webhook.authType != .none && webhook.authType != .hmac
        if carriesCredential && NetworkPolicy.isCleartext(url: url) && !webhook.mayCallInClearText {
            return .failure(PreparationProblem(kind: "insecure_http", isFinal: true))
        }
        var headers = webhook.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        for (name, value) in payload.headers.sorted(by: { $0.key < $1.key }) {
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            headers.append((name: name, value: value))
        }
        if let contentType = payload.contentType {
            headers.removeAll { $0.name.lowercased() == "content-type" }
            headers.append((name: "Content-Type", value: contentType))
        }
        let timestamp = Int(clamping: SystemClock.wallSeconds(), rounding: .down)
        headers.removeAll { ["webhook-id", "webhook-timestamp"].contains($0.name.lowercased()) }
        headers.append((name: "webhook-id", value: record.messageID.rawValue))
        headers.append((name: "webhook-timestamp", value: String(timestamp)))
        var target = url
        var shown = ValidationService.displayURL(url)
        var secrets: [String] = []
        if carriesCredential {
            let lookup: CredentialLookup
            do throws(CredentialError) {
                lookup = try await dependencies.credentials.lookup(key)
            } catch {
                return .failure(PreparationProblem(kind: "credential_unavailable", isFinal: false))
            }
            guard CredentialApplication.apply(lookup.credential.credential, authType: webhook.authType, headers: &headers, url: &target, shown: &shown) else {
                return .failure(PreparationProblem(kind: "credential_malformed", isFinal: false))
            }
            secrets = lookup.credential.secretValues
        }
        // Signed with `signing`'s own secret when the webhook has one; else an outbound hmac
        // webhook's credential is its signing secret, and applying it is signing.
        var signingSecret: CachedCredential? = nil
        var signingScheme: SignatureScheme? = nil
        if let signing = webhook.delivery.signing {
            do throws(CredentialError) {
                signingSecret = try await dependencies.credentials.signingSecret(for: webhook, signing: signing)
            } catch {
                return .failure(PreparationProblem(kind: "signing_secret_unavailable", isFinal: false))
            }
            signingScheme = signing.scheme
        } else if webhook.authType == .hmac {
            do throws(CredentialError) {
                signingSecret = try await dependencies.credentials.lookup(key).credential
            } catch {
                return .failure(PreparationProblem(kind: "credential_unavailable", isFinal: false))
            }
        }
        if let signingSecret {
            switch Self.signatureHeaders(signingSecret.credential, scheme: signingScheme, generic: webhook.delivery.signing?.generic,
                                         messageID: record.messageID.rawValue, timestamp: timestamp, body: payload.body, url: target) {
            case .success(let signature):
                let names = Set(signature.map { $0.name.lowercased() })
                headers.removeAll { names.contains($0.name.lowercased()) }
                headers += signature
            case .failure(let problem):
                return .failure(problem)
            }
            secrets += signingSecret.secretValues
        }
        let request = HTTPRequest(method: payload.method, url: target, headers: headers, body: payload.body,
                                  timeoutSeconds: webhook.timeoutSeconds, followRedirects: false,
                                  requiresTLS: carriesCredential && !webhook.mayCallInClearText)
        return .success(PreparedRequest(http: request, secrets: secrets, displayURL: shown, credentialSource: webhook.credentialSource,
                                        statusPolicy: webhook.delivery.statusPolicy, sandbox: webhook.sandboxRoute != nil))
    }

    /// The headers a delivery is signed with: by `scheme` (else the credential's own, else
    /// `standard_webhooks`), with both secrets while a rotation's `previous_secret` has not expired.
    static func signatureHeaders(
        _ credential: JSONValue, scheme declared: SignatureScheme? = nil, generic: GenericSignatureSettings? = nil,
        messageID: String, timestamp: Int, body: [UInt8], url: String
    ) -> Result<[(name: String, value: String)], PreparationProblem> {
        let scheme = declared ?? credential["scheme"]?.stringValue.flatMap(SignatureScheme.init(rawValue:)) ?? .standardWebhooks
        guard scheme != .twilio, scheme != .generic || generic != nil else {
            // generic needs its settings (a webhook's `signing.generic`), twilio form parameters a delivery has not.
            return .failure(PreparationProblem(kind: "signing_unsupported", isFinal: true))
        }
        do {
            guard let keys = try SigningKeys.fromCredential(credential, scheme: scheme) else {
                return .failure(PreparationProblem(kind: "credential_malformed", isFinal: false))
            }
            return .success(try WebhookSigner.headers(scheme: scheme, generic: generic, keys: keys, messageID: messageID,
                                                      timestamp: timestamp, body: body, url: url))
        } catch {
            return .failure(PreparationProblem(kind: "credential_malformed", isFinal: false))
        }
    }

    private func logRequest(_ record: DeliveryRecord, number: Int, request: PreparedRequest, guid: String, masker: Masker, at timestamp: Double) {
        var headerObject = JSONObject()
        for header in request.http.headers { headerObject[header.name] = .string(header.value) }
        let (code, direction, method, url) = (record.code, record.direction.rawValue, request.http.method, request.displayURL)
        let (body, source, id) = (request.http.body, request.credentialSource.rawValue, record.id.rawValue)
        let headers = headerObject
        let sandbox = request.sandbox
        dependencies.emit("webhook/requests") {
            var line = StructuredLogEvent.request(webhookCode: code, direction: direction, method: method, url: url,
                                                  payload: .string(String(decoding: body, as: UTF8.self)), headers: headers,
                                                  credentialSource: source, timestamp: timestamp, guid: guid, masker: masker)
            line.appendDeliveryMembers(id: id, attempt: number, sandbox: sandbox)
            return line
        }
    }

    private func logResponse(_ record: DeliveryRecord, number: Int, statusCode: Int?, body: String?, error: String?, seconds: Double,
                             guid: String, masker: Masker, sandbox: Bool) {
        let (code, direction, id) = (record.code, record.direction.rawValue, record.id.rawValue)
        let timestamp = SystemClock.wallSeconds()
        let success = statusCode.map { (200..<300).contains($0) } ?? false
        dependencies.emit("webhook/responses") {
            var line = StructuredLogEvent.response(webhookCode: code, direction: direction, statusCode: statusCode, responseBody: body,
                                                   duration: seconds, success: success, error: error, timestamp: timestamp, guid: guid,
                                                   masker: masker)
            line.appendDeliveryMembers(id: id, attempt: number, sandbox: sandbox)
            return line
        }
    }
}

extension JSONValue {
    /// A delivery's log lines carry its id and attempt number after the usual members, and
    /// `sandbox: true` while its webhook is routed to the testing sandbox.
    mutating func appendDeliveryMembers(id: String, attempt: Int, sandbox: Bool) {
        guard case .object(var object) = self else { return }
        object["delivery_id"] = .string(id)
        object["attempt"] = .integer(Int64(attempt))
        if sandbox { object["sandbox"] = true }
        self = .object(object)
    }
}
