import HookCore
import HookJSON
import HookRPC

/// `validate.one`, `validate.all`: credential checks before a deployment. Results never hold a
/// credential value.
enum ValidationMethods {
    static func register(into table: inout MethodTable, service: ValidationService) {
        table.register(MethodName.validateOne) { params, _ throws(RPCError) in
            let key = try params.webhookKey()
            return .later { () throws(RPCError) -> JSONValue in
                do throws(CredentialError) {
                    return try await service.validate(key).json
                } catch {
                    throw RPCError(error)
                }
            }
        }

        table.register(MethodName.validateAll) { params, _ throws(RPCError) in
            let direction: WebhookDirection?
            let codes: [String]?
            let concurrency: Int
            do throws(JSONAccessError) {
                direction = try params.directionOrAll()
                codes = try params.optionalCodes()
                let requested = try params.optionalInteger("concurrency") ?? Int64(service.defaultConcurrency)
                guard (1...Int64(ValidationService.maximumConcurrency)).contains(requested) else {
                    throw JSONAccessError(key: "concurrency", problem: .invalid(reason: "must be 1 to \(ValidationService.maximumConcurrency)"))
                }
                concurrency = Int(requested)
            } catch {
                throw .invalidParams(error)
            }
            return .later { () throws(RPCError) -> JSONValue in
                let started = SystemClock.monotonicSeconds()
                let results: [ValidationResult]
                do throws(CredentialError) {
                    results = await service.validate(try await service.webhooks(direction: direction, codes: codes), concurrency: concurrency)
                } catch {
                    throw RPCError(error)
                }
                func count(_ status: ValidationStatus) -> JSONValue { .integer(Int64(results.filter { $0.status == status }.count)) }
                return [
                    "results": .array(results.map(\.json)),
                    "summary": [
                        "valid": count(.valid), "invalid": count(.invalid), "untested": count(.untested), "errors": count(.error),
                        "total": .integer(Int64(results.count)),
                    ],
                    "duration_ms": .double(((SystemClock.monotonicSeconds() - started) * 10_000).rounded() / 10),
                ]
            }
        }
    }
}
