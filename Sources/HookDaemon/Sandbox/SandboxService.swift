import HookCore
import HookHTTP
import HookJSON
import HookRPC

/// hookd's side of the testing sandbox: what needs a secret happens here, so the IN secrets never
/// leave hookd. `trigger` sends a provider's sample event signed with a webhook's IN secret,
/// `replay` resends a captured request (re-signed on demand), `route` sends an OUT webhook's
/// deliveries and validation to a sandbox endpoint. All of it only with `sandbox.enabled`, and
/// only to loopback.
final class SandboxService: StoppableService, Sendable {
    /// What one request sent to the sandbox (or a handler) got back.
    struct Exchange: Sendable {
        var statusCode: Int
        var durationMilliseconds: Double
        var responsePreview: String?
        var headersSent: [String]
        var eventID: String?

        var json: JSONValue {
            var object: JSONObject = [
                "status_code": .integer(Int64(statusCode)), "duration_ms": .double(durationMilliseconds),
                "headers_sent": .array(headersSent.map(JSONValue.string)),
            ]
            if let responsePreview { object["response_preview"] = .string(responsePreview) }
            if let eventID { object["event_id"] = .string(eventID) }
            return .object(object)
        }
    }

    let enabled: Bool
    private let registry: WebhookRegistry
    private let credentials: CredentialService
    /// Reaches loopback only, whatever `network.allow` says: the sandbox and test handlers run there.
    private let http: HTTPClient?

    init(enabled: Bool, registry: WebhookRegistry, credentials: CredentialService, maxResponseBytes: Int) {
        self.enabled = enabled
        self.registry = registry
        self.credentials = credentials
        http = enabled ? HTTPClient(configuration: .init(maxResponseBytes: maxResponseBytes, addressScreen: Self.loopbackOnly)) : nil
    }

    func stop() async { await http?.shutdown() }

    /// The refusal of every `sandbox.*` call on a hookd without `sandbox.enabled: true`.
    func requireEnabled() throws(RPCError) -> HTTPClient {
        guard enabled, let http else {
            throw RPCError(.permissionDenied, "the sandbox is disabled: set sandbox.enabled: true in hookd's configuration (never in production)",
                           details: ["reason": "sandbox_disabled"])
        }
        return http
    }

    static let loopbackOnly: HTTPClient.AddressScreen = { bytes in
        guard let address = IPAddress(bytes: bytes) else { return "blocked address: not IPv4 or IPv6" }
        return NetworkPolicy.classify(address) == .loopback ? nil : "blocked address \(address): the sandbox sends to loopback only"
    }

    /// A `to` parameter: an http(s) URL on loopback (checked again at connect time).
    static func loopbackURL(_ text: String, parameter: String) throws(RPCError) -> String {
        let lowered = text.lowercased()
        let hostStart = lowered.hasPrefix("http://") ? 7 : lowered.hasPrefix("https://") ? 8 : nil
        guard let hostStart else {
            throw .invalidParams(JSONAccessError(key: parameter, problem: .invalid(reason: "must be an http(s) URL on loopback")))
        }
        let rest = lowered.dropFirst(hostStart)
        let loopbackHosts = ["127.", "[::1]", "localhost"]
        guard loopbackHosts.contains(where: { rest.hasPrefix($0) }) else {
            throw .invalidParams(JSONAccessError(key: parameter, problem: .invalid(reason: "must be on loopback (127.0.0.0/8, [::1] or localhost)")))
        }
        return text
    }

    // MARK: - Trigger

    /// `sandbox.trigger`: the provider's sample event, signed as that provider signs with the IN
    /// webhook's secret, POSTed to `to`.
    func trigger(code: String, provider: String, event name: String, to url: String) async throws(RPCError) -> JSONValue {
        let http = try requireEnabled()
        let now = Int(SystemClock.wallSeconds())
        guard let event = SandboxEventTemplates.event(provider: provider, event: name, now: now) else {
            let known = SandboxEventTemplates.catalogue.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }
            throw .invalidParams(JSONAccessError(key: "event", problem: .invalid(reason: "has no template; known: \(known.joined(separator: "; "))")))
        }
        let (_, keys) = try await signing(code: code, scheme: event.scheme)
        var headers = [(name: "Content-Type", value: event.contentType)] + event.headers
        headers += try signature(event.scheme, keys: keys, messageID: event.messageID, timestamp: now, body: event.body, url: url, params: event.params)
        var exchange = try await send(http, method: "POST", url: url, headers: headers, body: event.body)
        exchange.eventID = event.eventID
        return exchange.json
    }

    // MARK: - Replay

    /// `sandbox.replay`: a captured request sent again to `to`; with `resignCode`, signed afresh
    /// with that IN webhook's secret and the current time (Standard Webhooks keeps its `webhook-id`).
    func replay(method: String, headers captured: [(name: String, value: String)], body: [UInt8], to url: String,
                resignCode: String?) async throws(RPCError) -> JSONValue {
        let http = try requireEnabled()
        let hopByHop: Set<String> = ["host", "content-length", "connection", "transfer-encoding", "keep-alive", "expect", "upgrade"]
        var headers = captured.filter { !hopByHop.contains($0.name.lowercased()) }
        if let resignCode {
            let (scheme, keys) = try await signing(code: resignCode, scheme: nil)
            let signatureNames = Set(SignatureHeader.written(by: scheme).map { $0.lowercased() })
            let messageID = headers.first { $0.name.lowercased() == SignatureHeader.webhookID }?.value ?? "msg_replay_\(UInt64.random(in: 0...UInt64.max))"
            let params = FormEncoding.fields(ofFormPost: headers, body: body)
            headers.removeAll { signatureNames.contains($0.name.lowercased()) }
            headers += try signature(scheme, keys: keys, messageID: messageID, timestamp: Int(SystemClock.wallSeconds()), body: body, url: url,
                                     params: params)
        }
        return try await send(http, method: method, url: url, headers: headers, body: body).json
    }

    // MARK: - Route

    /// `sandbox.route`: the OUT webhooks' deliveries and validation go to `url` until unrouted.
    /// - Returns: the codes routed; an unknown code is `not_found`.
    func route(codes: [String], to url: String) async throws(RPCError) -> [String] {
        _ = try requireEnabled()
        let keys = try await outboundKeys(codes)
        registry.route(keys, to: url)
        return keys.map(\.code)
    }

    /// `sandbox.unroute`: back to their own URLs. - Returns: the codes that were routed.
    func unroute(codes: [String]) throws(RPCError) -> [String] {
        _ = try requireEnabled()
        let keys = codes.compactMap { try? WebhookKey(code: $0, direction: .outbound) }
        return registry.unroute(keys).map(\.code)
    }

    // MARK: - Parts

    private func outboundKeys(_ codes: [String]) async throws(RPCError) -> [WebhookKey] {
        var keys: [WebhookKey] = []
        for code in codes {
            guard let key = try? WebhookKey(code: code, direction: .outbound) else {
                throw .invalidParams(JSONAccessError(key: "codes", problem: .invalid(reason: "must be webhook codes")))
            }
            do throws(CredentialError) {
                guard try await registry.webhook(key) != nil else { throw CredentialError.unknownWebhook(key) }
            } catch {
                throw RPCError(error)
            }
            keys.append(key)
        }
        return keys
    }

    /// The IN webhook's hmac credential.
    private func inboundCredential(code: String) async throws(RPCError) -> JSONValue {
        guard let key = try? WebhookKey(code: code, direction: .inbound) else {
            throw .invalidParams(JSONAccessError(key: "code", problem: .invalid(reason: "must be 1 to 64 characters of A-Z, 0-9 and _")))
        }
        let webhook: Webhook?
        do throws(CredentialError) {
            webhook = try await registry.webhook(key)
        } catch {
            throw RPCError(error)
        }
        guard let webhook else { throw RPCError(CredentialError.unknownWebhook(key)) }
        guard webhook.authType == .hmac else {
            throw RPCError(.invalidParams, "\(key) is not an hmac webhook: the sandbox signs with an IN webhook's hmac secret",
                           details: ["parameter": "code"])
        }
        do throws(CredentialError) {
            return try await credentials.lookup(key).credential.credential
        } catch {
            throw RPCError(error)
        }
    }

    /// The IN webhook's signing keys, for `scheme` (nil: the credential's own, else standard_webhooks).
    private func signing(code: String, scheme requested: SignatureScheme?) async throws(RPCError) -> (SignatureScheme, SigningKeys) {
        let credential = try await inboundCredential(code: code)
        let scheme = requested ?? credential["scheme"]?.stringValue.flatMap(SignatureScheme.init(rawValue:)) ?? .standardWebhooks
        let keys: SigningKeys?
        do throws(SigningKeyError) {
            keys = try SigningKeys.fromCredential(credential, scheme: scheme, acceptingAnyForm: true)
        } catch {
            throw RPCError(.credentialUnavailable, "the credential of \(code)/IN: field 'secret' \(error.description)")
        }
        guard let keys else { throw RPCError(.credentialUnavailable, "the credential of \(code)/IN has no secret") }
        return (scheme, keys)
    }

    private func signature(_ scheme: SignatureScheme, keys: SigningKeys, messageID: String, timestamp: Int, body: [UInt8], url: String,
                           params: [(String, String)]?) throws(RPCError) -> [(name: String, value: String)] {
        do throws(SignatureInputError) {
            return try WebhookSigner.headers(scheme: scheme, keys: keys, messageID: messageID, timestamp: timestamp, body: body,
                                             url: url, params: params)
        } catch {
            throw RPCError(.invalidParams, "cannot sign for \(scheme.rawValue): \(error.description)")
        }
    }

    private func send(_ http: HTTPClient, method: String, url: String, headers: [(name: String, value: String)],
                      body: [UInt8]) async throws(RPCError) -> Exchange {
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body, timeoutSeconds: 30, followRedirects: false)
        let started = SystemClock.monotonicSeconds()
        do throws(HTTPError) {
            let response = try await http.send(request)
            let preview = response.body.isEmpty ? nil : String(decoding: response.body.prefix(512), as: UTF8.self)
            return Exchange(statusCode: response.statusCode, durationMilliseconds: (SystemClock.monotonicSeconds() - started) * 1000,
                            responsePreview: preview.map { Masker().maskText($0) }, headersSent: headers.map(\.name))
        } catch {
            throw RPCError(.upstreamError, "sending to \(Masker().maskURL(url)) failed: \(ValidationService.transferFailure(error))")
        }
    }
}
