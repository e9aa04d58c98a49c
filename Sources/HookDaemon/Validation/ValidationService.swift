import Foundation
import HookCore
import HookHTTP
import HookJSON
import HookStore
import HookNumbers

/// Checks webhooks' credentials before a deployment: outbound ones by requesting their endpoint
/// with the credential applied, inbound ones by signing and verifying a sample payload.
///
/// Endpoints are reached only as the `NetworkPolicy` allows (no non-public address outside
/// `network.allow`), and a credential goes over plain `http://` only when the webhook says
/// `allow_insecure_http: true`; a refused check is `ERROR` with `reason` `blocked_address` or
/// `insecure_http`, and nothing was sent.
///
/// A check never records into alert metrics. Each one is logged as a `webhook_validation` line
/// (and published to MQTT `webhook/validations`), never with a secret.
final class ValidationService: StoppableService, Sendable {
    private let registry: WebhookRegistry
    private let credentials: CredentialService
    private let http: HTTPClient
    private let log: @Sendable (ValidationResult) -> Void
    let defaultConcurrency: Int
    static let maximumConcurrency = 64

    init(registry: WebhookRegistry, credentials: CredentialService, settings: ValidationSettings, maxResponseBytes: Int,
         network: NetworkPolicy, log: @escaping @Sendable (ValidationResult) -> Void) {
        self.registry = registry
        self.credentials = credentials
        self.log = log
        defaultConcurrency = settings.concurrency
        http = HTTPClient(configuration: .init(caFile: settings.caFile, maxConcurrentTransfers: Self.maximumConcurrency,
                                               maxResponseBytes: maxResponseBytes, addressScreen: network.addressScreen))
    }

    /// Ends the checks' curl loop.
    func stop() async { await http.shutdown() }

    /// One webhook's check.
    /// - Throws: `CredentialError.unknownWebhook` or `.registryFailed`; everything else is a result.
    func validate(_ key: WebhookKey) async throws(CredentialError) -> ValidationResult {
        guard let webhook = try await registry.webhook(key) else { throw .unknownWebhook(key) }
        return await validate(webhook)
    }

    /// Checks `webhooks` with at most `concurrency` at a time; results in the given order.
    func validate(_ webhooks: [Webhook], concurrency: Int) async -> [ValidationResult] {
        await webhooks.concurrentMap(limit: concurrency) { webhook in await self.validate(webhook) }
    }

    /// The registry's webhooks of a direction (nil: both), narrowed to `codes` when given.
    /// - Throws: `CredentialError.unknownWebhook` for a listed code that is not registered.
    func webhooks(direction: WebhookDirection?, codes: [String]?) async throws(CredentialError) -> [Webhook] {
        let all: [Webhook]
        do throws(StoreError) {
            all = try await registry.list(direction: direction)
        } catch {
            throw .registryFailed(error.description)
        }
        guard let codes else { return all }
        let registered = Set(all.map(\.key.code))
        // Codes were checked by the method, so the key is well-formed; a failure would mean "not found" anyway.
        if let unknown = codes.first(where: { !registered.contains($0) }),
           let key = try? WebhookKey(code: unknown, direction: direction ?? .outbound) {
            throw .unknownWebhook(key)
        }
        let wanted = Set(codes)
        return all.filter { wanted.contains($0.key.code) }
    }

    private func validate(_ webhook: Webhook) async -> ValidationResult {
        let result = webhook.key.direction == .inbound ? await validateInbound(webhook) : await validateOutbound(webhook)
        log(result)
        return result
    }

    private func result(_ webhook: Webhook, _ status: ValidationStatus, _ message: String) -> ValidationResult {
        ValidationResult(key: webhook.key, status: status, message: message, url: webhook.url.map(Self.displayURL),
                         credentialSource: webhook.credentialSource, authType: webhook.authType, checkedAt: SystemClock.wallSeconds())
    }

    private func validateInbound(_ webhook: Webhook) async -> ValidationResult {
        guard webhook.authType == .hmac else {
            return result(webhook, .untested, "No signing secret to check (auth_type \(webhook.authType.rawValue))")
        }
        let lookup: CredentialLookup
        do throws(CredentialError) {
            lookup = try await credentials.lookup(webhook.key)
        } catch {
            return credentialFailure(webhook, error)
        }
        guard case .object(let fields) = lookup.credential.credential, let secret = fields["secret"]?.stringValue else {
            return result(webhook, .invalid, "Malformed credential: no signing secret")
        }
        let scheme = fields["scheme"]?.stringValue.flatMap(SignatureScheme.init(rawValue:))
        let (status, message) = SigningSecretCheck.check(secret: secret, scheme: scheme)
        return result(webhook, status, message)
    }

    private func validateOutbound(_ webhook: Webhook) async -> ValidationResult {
        guard webhook.type == .http, let url = webhook.callURL, !url.isEmpty else {
            return result(webhook, .untested, webhook.type == .service ? "SERVICE type webhook" : "No URL to request")
        }
        let carriesCredential = webhook.authType != .none
        if carriesCredential && NetworkPolicy.isCleartext(url: url) && !webhook.mayCallInClearText {
            var refused = result(webhook, .error, "Refused: the credential would travel in clear text over http://; "
                                     + "use https, or set allow_insecure_http: true on the webhook")
            refused.reason = ValidationResult.Reason.insecureHTTP
            return refused
        }
        var headers = webhook.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        var target = url
        var shown = Self.displayURL(url)
        var masker = Masker()
        if webhook.authType != .none {
            let lookup: CredentialLookup
            do throws(CredentialError) {
                lookup = try await credentials.lookup(webhook.key)
            } catch {
                return credentialFailure(webhook, error)
            }
            guard CredentialApplication.apply(lookup.credential.credential, authType: webhook.authType, headers: &headers, url: &target, shown: &shown) else {
                return result(webhook, .invalid, "Malformed credential for auth_type \(webhook.authType.rawValue)")
            }
            masker = masker.adding(knownSecrets: lookup.credential.secretValues)
        }
        var method = webhook.validateMethod
        // HTTPS checks open their own connection, so every result can say when the certificate expires.
        var request = HTTPRequest(method: method, url: target, headers: headers, timeoutSeconds: webhook.timeoutSeconds,
                                  freshConnection: target.hasPrefix("https://"),
                                  requiresTLS: carriesCredential && !webhook.mayCallInClearText)
        let started = SystemClock.monotonicSeconds()
        do throws(HTTPError) {
            var response = try await http.send(request)
            if response.statusCode == 405 && method == "HEAD" {
                method = "GET"
                request.method = method
                response = try await http.send(request)
            }
            let (status, message) = ValidationResult.verdict(forStatus: response.statusCode)
            var checked = result(webhook, status, message)
            checked.url = shown
            checked.method = method
            checked.statusCode = response.statusCode
            checked.latencyMilliseconds = (SystemClock.monotonicSeconds() - started) * 1000
            checked.tlsExpiresInDays = response.certificateExpiresAt.flatMap(CertificateDate.secondsSince1970).map {
                Int(clamping: ($0 - SystemClock.wallSeconds()) / 86_400, rounding: .down)
            }
            return checked
        } catch {
            var failed = result(webhook, .error, masker.maskText(Self.transferFailure(error)))
            if error.curlCode == HTTPError.blockedAddressCode { failed.reason = ValidationResult.Reason.blockedAddress }
            failed.url = shown
            failed.method = method
            failed.latencyMilliseconds = (SystemClock.monotonicSeconds() - started) * 1000
            return failed
        }
    }

    private func credentialFailure(_ webhook: Webhook, _ error: CredentialError) -> ValidationResult {
        switch error {
        case .missing, .recentlyMissing:
            return result(webhook, .invalid, "credential not found in \(webhook.credentialSource.rawValue)")
        case .malformed(let problem):
            return result(webhook, .invalid, "Malformed credential: \(problem.description)")
        case .sourceNotConfigured:
            return result(webhook, .invalid, error.description)
        case .sourceFailed(_, let failure):
            var failed = result(webhook, .error, error.description)
            failed.reason = switch failure.reason {
            case .blockedAddress: ValidationResult.Reason.blockedAddress
            case .cleartextRefused: ValidationResult.Reason.insecureHTTP
            default: nil
            }
            return failed
        case .registryFailed, .unknownWebhook:
            return result(webhook, .error, error.description)
        }
    }

    /// curl's reason in words an operator acts on (its own text included, never the URL's secrets).
    static func transferFailure(_ error: HTTPError) -> String {
        let reason = switch error.curlCode {
        case 28: "Timed out"
        case HTTPError.responseTooLargeCode: "Response too large"
        case HTTPError.blockedAddressCode: "Refused"
        case 6: "Host not found"
        case 7: "Connection failed"
        case 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91: "TLS failure"
        default: "Request failed"
        }
        return "\(reason): \(error.message)"
    }

    /// The URL as results show it: userinfo and secret-looking query parameters masked.
    static func displayURL(_ url: String) -> String { Masker().maskURL(url) }
}
