import ArgumentParser
import HookClient
import HookJSON
import HookRPC

extension HookRPCCommand {
    struct Call: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call any method with JSON params and print its result.")

        @OptionGroup var options: ConnectionOptions

        @Argument(help: ArgumentHelp("The method, such as system.echo.", valueName: "method"))
        var method: String

        @Argument(help: ArgumentHelp("Params as a JSON object, such as '{\"value\": 1}'.", valueName: "params"))
        var params: String?

        func validate() throws {
            _ = try parsedParams()
        }

        func run() throws {
            let result = try perform { try options.client().call(method, params: parsedParams()) }
            print(options.json ? result.compactText : result.prettyText())
        }

        private func parsedParams() throws -> JSONObject? {
            guard let params else { return nil }
            let value: JSONValue
            do {
                value = try JSONValue.parse(params)
            } catch {
                throw ValidationError("params are not valid JSON: \(error.description)")
            }
            guard case .object(let object) = value else {
                throw ValidationError("params must be a JSON object (hookd takes named params), not \(value.typeName)")
            }
            return object
        }
    }

    struct Methods: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the methods hookd serves, from rpc.discover.")

        @OptionGroup var options: ConnectionOptions

        func run() throws {
            let document = try perform { try options.client().call(MethodName.discover) }
            let methods = document["methods"]?.arrayValue ?? []
            if options.json {
                print(JSONValue.array(methods.map { ["name": $0["name"] ?? .null, "summary": $0["summary"] ?? .null] }).compactText)
                return
            }
            let names = methods.compactMap { $0["name"]?.stringValue }
            let width = names.map(\.count).max() ?? 0
            for method in methods {
                guard let name = method["name"]?.stringValue else { continue }
                let summary = method["summary"]?.stringValue ?? ""
                print(name.padding(to: width) + "  " + summary)
            }
        }
    }

    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show hookd's health: status, version, uptime, connections, components.")

        @OptionGroup var options: ConnectionOptions

        func run() throws {
            let health = try perform { try options.client().health() }
            if options.json {
                print(JSONValue.object(health).compactText)
                return
            }
            for member in health {
                switch member.value {
                case .object(let components) where components.isEmpty: print("\(member.key): (none)")
                case .string(let text): print("\(member.key): \(text)")
                default: print("\(member.key): \(member.value.compactText)")
                }
            }
        }
    }
}

