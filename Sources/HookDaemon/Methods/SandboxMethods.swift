import Foundation
import HookCore
import HookJSON
import HookRPC

/// `sandbox.trigger`, `sandbox.replay`, `sandbox.route`, `sandbox.unroute`: the testing sandbox's
/// calls that need a secret. Refused (-32001, `reason: sandbox_disabled`) unless `sandbox.enabled`.
enum SandboxMethods {
    static func register(into table: inout MethodTable, service: SandboxService) {
        table.register(MethodName.sandboxTrigger) { params, _ throws(RPCError) in
            let (code, provider, event, to): (String, String, String, String)
            do throws(JSONAccessError) {
                code = try params.string("code")
                provider = try params.string("provider")
                event = try params.string("event")
                to = try params.string("to")
            } catch {
                throw .invalidParams(error)
            }
            _ = try service.requireEnabled()
            let url = try SandboxService.loopbackURL(to, parameter: "to")
            return .later { () throws(RPCError) -> JSONValue in try await service.trigger(code: code, provider: provider, event: event, to: url) }
        }

        table.register(MethodName.sandboxReplay) { params, _ throws(RPCError) in
            let method: String
            let path: String?
            let headers: [(name: String, value: String)]
            let body: [UInt8]
            let to: String
            let resignCode: String?
            do throws(JSONAccessError) {
                method = try params.string("method")
                path = try params.optionalString("path")
                guard let headerObject = try params.optionalObject("headers") else { throw JSONAccessError(key: "headers", problem: .missing) }
                let encoded = try params.string("body_base64")
                to = try params.string("to")
                resignCode = try params.optionalCode("resign_code")
                guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
                    throw JSONAccessError(key: "method", problem: .invalid(reason: "must be GET, POST, PUT, PATCH or DELETE"))
                }
                var collected: [(name: String, value: String)] = []
                for member in headerObject {
                    guard case .string(let value) = member.value else {
                        throw JSONAccessError(key: "headers.\(member.key)", problem: .wrongType(expected: "a string", found: member.value.typeName))
                    }
                    collected.append((member.key, value))
                }
                headers = collected
                guard let data = Data(base64Encoded: encoded) else { throw JSONAccessError(key: "body_base64", problem: .invalid(reason: "is not base64")) }
                body = Array(data)
                if let path, !path.hasPrefix("/") { throw JSONAccessError(key: "path", problem: .invalid(reason: "must start with /")) }
            } catch {
                throw .invalidParams(error)
            }
            _ = try service.requireEnabled()
            var url = try SandboxService.loopbackURL(to, parameter: "to")
            if let path { url = (url.hasSuffix("/") ? String(url.dropLast()) : url) + path }
            let target = url
            return .later { () throws(RPCError) -> JSONValue in
                try await service.replay(method: method, headers: headers, body: body, to: target, resignCode: resignCode)
            }
        }

        table.register(MethodName.sandboxRoute) { params, _ throws(RPCError) in
            let codes: [String]
            let to: String
            do throws(JSONAccessError) {
                let given = try params.optionalCodes()
                to = try params.string("to")
                guard let given, !given.isEmpty else { throw JSONAccessError(key: "codes", problem: .missing) }
                codes = given
            } catch {
                throw .invalidParams(error)
            }
            _ = try service.requireEnabled()
            let url = try SandboxService.loopbackURL(to, parameter: "to")
            return .later { () throws(RPCError) -> JSONValue in
                let routed = try await service.route(codes: codes, to: url)
                return ["routed": .array(routed.map(JSONValue.string)), "to": .string(url)]
            }
        }

        table.register(MethodName.sandboxUnroute) { params, _ throws(RPCError) in
            let codes: [String]
            do throws(JSONAccessError) {
                guard let given = try params.optionalCodes(), !given.isEmpty else { throw JSONAccessError(key: "codes", problem: .missing) }
                codes = given
            } catch {
                throw .invalidParams(error)
            }
            let unrouted = try service.unroute(codes: codes)
            return .value(["unrouted": .array(unrouted.map(JSONValue.string))])
        }
    }
}
