import HookCore
import HookJSON
import HookRPC

/// One place where domain errors become wire errors, each kind to one JSON-RPC code.
extension RPCError {
    init(_ error: CredentialError) {
        switch error {
        case .unknownWebhook(let key):
            self.init(.notFound, error.description, details: ["code": .string(key.code), "direction": .string(key.direction.rawValue)])
        case .missing, .recentlyMissing, .malformed, .sourceNotConfigured: self.init(.credentialUnavailable, error.description)
        case .sourceFailed(_, let failure):
            switch failure.reason {
            case .timeout: self.init(.upstreamTimeout, error.description)
            case .rateLimited: self.init(.rateLimited, error.description)
            case .unavailable, .unauthorized: self.init(.upstreamError, error.description)
            case .refusedReference, .blockedAddress, .cleartextRefused: self.init(.credentialUnavailable, error.description)
            }
        case .registryFailed: self.init(.internalError, "internal error: the webhook registry could not be read")
        }
    }

    /// As `init(_:)`, but a registry failure is logged with an incident number first.
    init(_ error: CredentialError, incidents: IncidentLogger, method: String) {
        if case .registryFailed = error {
            self = incidents.internalError(method, error)
        } else {
            self.init(error)
        }
    }

    init(_ error: WebhookValidationError) {
        self.init(.invalidParams, "invalid params: \(error.description)", details: ["parameter": .string(error.field)])
    }
}

extension JSONObject {
    /// `{code, direction="OUT"}` as a webhook key; errors name the parameter.
    func webhookKey() throws(RPCError) -> WebhookKey {
        let code: String
        let direction: WebhookDirection
        do throws(JSONAccessError) {
            code = try string("code")
            direction = try self.direction() ?? .outbound
        } catch {
            throw .invalidParams(error)
        }
        do throws(WebhookValidationError) {
            return try WebhookKey(code: code, direction: direction)
        } catch {
            throw RPCError(error)
        }
    }

    /// An optional webhook code under `key`, checked like every code (1 to 64 of A-Z, 0-9, _).
    func optionalCode(_ key: String = "code") throws(JSONAccessError) -> String? {
        guard let code = try optionalString(key) else { return nil }
        guard WebhookKey.isValidCode(code) else {
            throw JSONAccessError(key: key, problem: .invalid(reason: "must be 1 to 64 characters of A-Z, 0-9 and _"))
        }
        return code
    }

    /// An optional `direction`, `OUT` or `IN`.
    func direction(_ key: String = "direction") throws(JSONAccessError) -> WebhookDirection? {
        guard let text = try optionalString(key) else { return nil }
        guard let direction = WebhookDirection(rawValue: text) else {
            throw JSONAccessError(key: key, problem: .invalid(reason: "must be OUT or IN"))
        }
        return direction
    }

    /// An optional `direction` that may also be `ALL` (nil: both directions).
    func directionOrAll(_ key: String = "direction") throws(JSONAccessError) -> WebhookDirection? {
        let text = try optionalString(key) ?? "ALL"
        guard text != "ALL" else { return nil }
        guard let direction = WebhookDirection(rawValue: text) else {
            throw JSONAccessError(key: key, problem: .invalid(reason: "must be OUT, IN or ALL"))
        }
        return direction
    }

    /// An optional array of webhook codes under `key`, each checked like every code.
    func optionalCodes(_ key: String = "codes") throws(JSONAccessError) -> [String]? {
        try optionalArray(key).map { values throws(JSONAccessError) in
            try values.map { value throws(JSONAccessError) in
                guard let code = value.stringValue, WebhookKey.isValidCode(code) else {
                    throw JSONAccessError(key: key, problem: .invalid(reason: "must be webhook codes (1 to 64 characters of A-Z, 0-9 and _)"))
                }
                return code
            }
        }
    }
}
