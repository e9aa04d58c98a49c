import HookCore
import HookJSON
import HookRPC
import HookStore

/// `webhook.upsert`, `webhook.get`, `webhook.list`, `webhook.delete`: the registry. No result ever
/// holds a credential value.
enum WebhookMethods {
    static func register(
        into table: inout MethodTable, registry: WebhookRegistry, credentials: CredentialService,
        sources: [CredentialSourceKind: CredentialSourceReader], audit: CredentialAudit?, alerts: AlertEngine, logger: IncidentLogger
    ) {
        table.register(MethodName.webhookUpsert) { params, context throws(RPCError) in
            let definition: WebhookDefinition
            do throws(WebhookValidationError) {
                definition = try WebhookDefinition(json: params)
            } catch {
                throw RPCError(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let proposed = definition.webhook
                if let refusal = await sources[proposed.credentialSource]?.refusal(of: proposed.credentialReference, for: proposed.key) {
                    throw RPCError(WebhookValidationError(field: "credential.ref", reason: refusal))
                }
                if let signing = proposed.delivery.signing {
                    guard let reader = sources[signing.source] else {
                        throw RPCError(WebhookValidationError(field: "signing.credential.source", reason: "\(signing.source.rawValue) is not configured in this hookd"))
                    }
                    if let refusal = await reader.refusal(of: signing.reference, for: proposed.key) {
                        throw RPCError(WebhookValidationError(field: "signing.credential.ref", reason: refusal))
                    }
                }
                do throws(StoreError) {
                    let previous = try await registry.lookup(proposed.key)
                    let webhook = try await registry.upsert(definition, now: ISO8601.format(SystemClock.wallSeconds()))
                    audit?.recordChange(context, to: webhook, from: previous)
                    // A changed definition may point at another credential: forget the old one everywhere.
                    await credentials.invalidate(code: webhook.key.code, direction: webhook.key.direction)
                    alerts.setOverrides(webhook.alerting, for: webhook.key)
                    return webhook.json
                } catch {
                    throw logger.internalError("webhook.upsert", error)
                }
            }
        }

        table.register(MethodName.webhookGet) { params, _ throws(RPCError) in
            let key = try params.webhookKey()
            return .later { () throws(RPCError) -> JSONValue in
                let webhook: Webhook?
                do throws(StoreError) {
                    webhook = try await registry.lookup(key)
                } catch {
                    throw logger.internalError("webhook.get", error)
                }
                guard let webhook else { throw RPCError(CredentialError.unknownWebhook(key)) }
                return webhook.json
            }
        }

        table.register(MethodName.webhookList) { params, _ throws(RPCError) in
            let direction: WebhookDirection?
            do throws(JSONAccessError) {
                direction = try params.direction()
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                do throws(StoreError) {
                    return ["webhooks": .array(try await registry.list(direction: direction).map(\.json))]
                } catch {
                    throw logger.internalError("webhook.list", error)
                }
            }
        }

        table.register(MethodName.webhookDelete) { params, _ throws(RPCError) in
            let key = try params.webhookKey()
            return .later { () throws(RPCError) -> JSONValue in
                do throws(StoreError) {
                    let deleted = try await registry.delete(key)
                    if deleted {
                        await credentials.invalidate(code: key.code, direction: key.direction)
                        alerts.setOverrides(nil, for: key)
                    }
                    return ["deleted": .bool(deleted)]
                } catch {
                    throw logger.internalError("webhook.delete", error)
                }
            }
        }
    }
}
