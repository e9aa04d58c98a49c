import HookCore
import HookJSON
import HookRPC
import HookStore

/// `migrate.plan`, `migrate.run`, `migrate.verify`, `migrate.rollback`, `migrate.status`: legacy
/// credentials into Infisical. Replies name secrets and webhooks, never a value.
enum MigrationMethods {
    static let maximumConcurrency = 32
    static let defaultConcurrency = 4

    static func register(into table: inout MethodTable, service: MigrationService) {
        table.register(MethodName.migratePlan) { params, _ throws(RPCError) in
            let scope = try Scope(params)
            let naming: SecretNaming?
            do throws(JSONAccessError) {
                naming = try params.optionalString("naming").map { template throws(JSONAccessError) in
                    do throws(WebhookValidationError) {
                        return try SecretNaming(template)
                    } catch {
                        throw JSONAccessError(key: "naming", problem: .invalid(reason: error.reason))
                    }
                }
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let rows = try await service.plan(codes: scope.codes, direction: scope.direction, from: scope.source, naming: naming)
                let settings = service.settings
                let listed: [JSONValue] = rows.map { row in
                    var object: JSONObject = [
                        "code": .string(row.webhook.key.code), "direction": .string(row.webhook.key.direction.rawValue),
                        "source": .string(row.webhook.credentialSource.rawValue), "secret_name": .string(row.secretName),
                        "secret_path": .string(settings.secretPath), "environment": .string(settings.environment), "action": .string(row.action.rawValue),
                    ]
                    if let reason = row.reason { object["reason"] = .string(reason) }
                    return .object(object)
                }
                var summary: JSONObject = ["total": .integer(Int64(rows.count))]
                for action in [MigrationService.PlanRow.Action.create, .skipSame, .conflict, .unreadable] {
                    summary[action.rawValue] = .integer(Int64(rows.filter { $0.action == action }.count))
                }
                return ["webhooks": .array(listed), "summary": .object(summary)]
            }
        }

        table.register(MethodName.migrateRun) { params, context throws(RPCError) in
            let scope = try Scope(params)
            let dryRun: Bool
            let overwrite: Bool
            let concurrency: Int
            do throws(JSONAccessError) {
                dryRun = try params.optionalBool("dry_run") ?? false
                overwrite = try params.optionalBool("overwrite") ?? false
                let requested = try params.optionalInteger("concurrency") ?? Int64(defaultConcurrency)
                guard (1...Int64(maximumConcurrency)).contains(requested) else {
                    throw JSONAccessError(key: "concurrency", problem: .invalid(reason: "must be 1 to \(maximumConcurrency)"))
                }
                concurrency = Int(requested)
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let results = try await service.run(codes: scope.codes, direction: scope.direction, from: scope.source, dryRun: dryRun,
                                                    overwrite: overwrite, concurrency: concurrency, peer: context.peer)
                let listed: [JSONValue] = results.map { result in
                    var object: JSONObject = [
                        "code": .string(result.key.code), "direction": .string(result.key.direction.rawValue),
                        "secret_name": .string(result.secretName), "outcome": .string(result.outcome.rawValue), "written": .bool(result.written),
                    ]
                    if let reason = result.reason { object["reason"] = .string(reason) }
                    return .object(object)
                }
                var summary: JSONObject = ["total": .integer(Int64(results.count))]
                for outcome in [MigrationService.Outcome.migrated, .skipped, .conflict, .failed] {
                    summary[outcome.rawValue] = .integer(Int64(results.filter { $0.outcome == outcome }.count))
                }
                return ["dry_run": .bool(dryRun), "results": .array(listed), "summary": .object(summary)]
            }
        }

        table.register(MethodName.migrateVerify) { params, _ throws(RPCError) in
            let codes = try Scope.codes(params)
            return .later { () throws(RPCError) -> JSONValue in
                let results = try await service.verify(codes: codes)
                let listed: [JSONValue] = results.map { result in
                    var object: JSONObject = [
                        "code": .string(result.key.code), "direction": .string(result.key.direction.rawValue),
                        "secret_name": .string(result.secretName), "ok": .bool(result.ok), "present": .bool(result.present),
                        "equal": .bool(result.equal), "registry": .bool(result.registryPoints),
                        "validation_before": result.validationBefore.map(JSONValue.string) ?? .null,
                        "validation_after": .string(result.validationAfter),
                    ]
                    if let reason = result.reason { object["reason"] = .string(reason) }
                    return .object(object)
                }
                let passed = results.filter(\.ok).count
                return ["results": .array(listed), "summary": [
                    "ok": .integer(Int64(passed)), "failed": .integer(Int64(results.count - passed)), "total": .integer(Int64(results.count)),
                ]]
            }
        }

        table.register(MethodName.migrateRollback) { params, context throws(RPCError) in
            let codes = try Scope.codes(params)
            let deleteSecret: Bool
            do throws(JSONAccessError) {
                deleteSecret = try params.optionalBool("delete_secret") ?? false
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let results = try await service.rollback(codes: codes, deleteSecret: deleteSecret, peer: context.peer)
                let listed: [JSONValue] = results.map { result in
                    var object: JSONObject = [
                        "code": .string(result.key.code), "direction": .string(result.key.direction.rawValue),
                        "secret_name": .string(result.secretName), "outcome": .string(result.outcome), "secret_deleted": .bool(result.secretDeleted),
                    ]
                    if let reason = result.reason { object["reason"] = .string(reason) }
                    return .object(object)
                }
                let rolledBack = results.filter { $0.outcome == "rolled_back" }.count
                return ["results": .array(listed), "summary": [
                    "rolled_back": .integer(Int64(rolledBack)), "failed": .integer(Int64(results.count - rolledBack)),
                    "total": .integer(Int64(results.count)),
                ]]
            }
        }

        table.register(MethodName.migrateStatus) { params, _ throws(RPCError) in
            let scope = try Scope(params)
            return .later { () throws(RPCError) -> JSONValue in
                _ = try service.requireInfisical()
                let rows = try await service.status(codes: scope.codes, from: scope.source)
                var summary: JSONObject = ["total": .integer(Int64(rows.count))]
                for state in ["planned"] + MigrationJournalEntry.State.allCases.map(\.rawValue) {
                    summary[state] = .integer(Int64(rows.filter { $0["state"]?.stringValue == state }.count))
                }
                return ["webhooks": .array(rows), "summary": .object(summary)]
            }
        }
    }

    /// Which webhooks a call is about: `codes?`, `direction?` (OUT, IN or ALL) and `from?`
    /// (database, env or file; default database).
    struct Scope: Sendable {
        var codes: [String]?
        var direction: WebhookDirection?
        var source: CredentialSourceKind

        init(_ params: JSONObject) throws(RPCError) {
            do throws(JSONAccessError) {
                codes = try params.optionalCodes()
                direction = try params.directionOrAll()
                let from = try params.optionalString("from") ?? CredentialSourceKind.database.rawValue
                guard let parsed = CredentialSourceKind(rawValue: from), parsed != .infisical else {
                    throw JSONAccessError(key: "from", problem: .invalid(reason: "must be database, env or file"))
                }
                source = parsed
            } catch {
                throw .invalidParams(error)
            }
        }

        static func codes(_ params: JSONObject) throws(RPCError) -> [String]? {
            do throws(JSONAccessError) {
                return try params.optionalCodes()
            } catch {
                throw .invalidParams(error)
            }
        }
    }
}
