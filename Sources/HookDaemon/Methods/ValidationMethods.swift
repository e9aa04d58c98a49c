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
                switch try params.optionalString("direction") ?? "ALL" {
                case "ALL": direction = nil
                case let text:
                    guard let parsed = WebhookDirection(rawValue: text) else {
                        throw JSONAccessError(key: "direction", problem: .invalid(reason: "must be OUT, IN or ALL"))
                    }
                    direction = parsed
                }
                codes = try params.optionalArray("codes").map { values throws(JSONAccessError) in
                    try values.map { value throws(JSONAccessError) in
                        guard let code = value.stringValue, WebhookKey.isValidCode(code) else {
                            throw JSONAccessError(key: "codes", problem: .invalid(reason: "must be webhook codes (1 to 64 characters of A-Z, 0-9 and _)"))
                        }
                        return code
                    }
                }
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
