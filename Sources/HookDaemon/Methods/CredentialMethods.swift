import HookCore
import HookJSON
import HookRPC
import NIOCore

/// `credential.get`, `credential.warm`, `credential.source`, `credential.invalidate`.
enum CredentialMethods {
    static func register(
        into table: inout MethodTable, service: CredentialService, registry: WebhookRegistry,
        sources: [CredentialSourceKind: CredentialSourceReader], audit: CredentialAudit?, incidents: IncidentLogger
    ) {
        // The hot path: an L1 hit is answered on the event loop, with no task and no disk.
        table.registerDirect(MethodName.credentialGet) { params, context, output throws(RPCError) in
            let key = try params.webhookKey()
            if let hit = service.cachedLookup(key) {
                audit?.record(context, key: key, lookup: hit, error: nil)
                output.writeJSON(expectedBytes: hit.credential.encodedCredential.count + 256) { hit.encode(into: &$0) }
                return .written
            }
            return .later { () throws(RPCError) -> JSONValue in
                do throws(CredentialError) {
                    let lookup = try await service.lookup(key)
                    audit?.record(context, key: key, lookup: lookup, error: nil)
                    return lookup.json
                } catch {
                    let failure = RPCError(error, incidents: incidents, method: MethodName.credentialGet)
                    audit?.record(context, key: key, lookup: nil, error: RPCErrorSummary(kind: failure.kind.rawValue))
                    throw failure
                }
            }
        }

        // Brings a credential into the caches the way credential.get would, for callers (ObjHook.read)
        // that want the next call to hit. No secret crosses the socket, so nothing is audited.
        table.register(MethodName.credentialWarm) { params, _ throws(RPCError) in
            let key = try params.webhookKey()
            if let hit = service.cachedLookup(key) { return .value(Self.warmed(hit)) }
            return .later { () throws(RPCError) -> JSONValue in
                do throws(CredentialError) {
                    return Self.warmed(try await service.lookup(key))
                } catch {
                    throw RPCError(error, incidents: incidents, method: MethodName.credentialWarm)
                }
            }
        }

        table.register(MethodName.credentialSource) { params, _ throws(RPCError) in
            let key = try params.webhookKey()
            return .later { () throws(RPCError) -> JSONValue in
                let webhook: Webhook
                do throws(CredentialError) {
                    guard let found = try await registry.webhook(key) else { throw CredentialError.unknownWebhook(key) }
                    webhook = found
                } catch {
                    throw RPCError(error, incidents: incidents, method: MethodName.credentialSource)
                }
                let cached = service.cachedLookup(key) != nil
                var exists: JSONValue = .null
                var problem: JSONValue = .null
                if webhook.authType == .none {
                    exists = true
                } else if let reader = sources[webhook.credentialSource] {
                    do throws(CredentialSourceError) {
                        exists = .bool(try await reader.read(webhook.credentialReference, for: webhook) != nil)
                    } catch {
                        problem = .string(error.message)
                    }
                } else {
                    problem = .string("source '\(webhook.credentialSource.rawValue)' is not configured")
                }
                var result: JSONObject = [
                    "code": .string(key.code), "direction": .string(key.direction.rawValue),
                    "source": .string(webhook.credentialSource.rawValue),
                    "ref": webhook.credentialReference.map(JSONValue.string) ?? .null,
                    "exists": exists, "cached": .bool(cached),
                    "uses_database": .bool(webhook.credentialSource == .database),
                ]
                if problem != .null { result["error"] = problem }
                return .object(result)
            }
        }

        table.register(MethodName.credentialInvalidate) { params, _ throws(RPCError) in
            let code: String?
            let direction: WebhookDirection?
            do throws(JSONAccessError) {
                code = try params.optionalString("code")
                direction = try params.direction()
            } catch {
                throw .invalidParams(error)
            }
            if let code, !WebhookKey.isValidCode(code) {
                throw RPCError(WebhookValidationError(field: "code", reason: "must be 1 to 64 characters of A-Z, 0-9 and _"))
            }
            return .later {
                ["invalidated": .integer(Int64(await service.invalidate(code: code, direction: direction)))]
            }
        }
    }

    /// `credential.warm`'s result: where the value was found (`tier`, null when fetched from its
    /// source just now) and how long it is served from the cache from now on.
    private static func warmed(_ lookup: CredentialLookup) -> JSONValue {
        [
            "cached": true, "tier": lookup.tier.map { .string($0.rawValue) } ?? .null,
            "ttl_s": .double(max(0, lookup.ttlSeconds - lookup.ageSeconds)),
        ]
    }
}
