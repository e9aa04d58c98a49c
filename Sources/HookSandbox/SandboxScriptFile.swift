#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HookJSON
import HookYAML
import Yams

/// Reads `--scripts FILE`: a YAML (or JSON, which is YAML) mapping of endpoint names to scripts.
public enum SandboxScriptFile {
    /// A scripts file that cannot be used: the file and why (with the endpoint and field when a
    /// script is bad).
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Reads and checks every script in the file.
    /// - Returns: the scripts by endpoint name, in file order.
    /// - Throws: `LoadError` naming the file, the endpoint and the field.
    public static func load(path: String) throws(LoadError) -> [(endpoint: String, script: SandboxScript)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError(path: path, message: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Reads scripts from the text of a scripts file (`path` only names it in errors).
    public static func parse(_ text: String, path: String) throws(LoadError) -> [(endpoint: String, script: SandboxScript)] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw LoadError(path: path, message: "is not valid YAML or JSON: \(Self.describe(error))")
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else {
            throw LoadError(path: path, message: "must map endpoint names to scripts")
        }
        var scripts: [(endpoint: String, script: SandboxScript)] = []
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard SandboxEndpointName.isValid(name) else {
                throw LoadError(path: path, message: "'\(name)' is not an endpoint name (\(SandboxEndpointName.rule))")
            }
            do throws(SandboxScriptError) {
                scripts.append((name, try SandboxScript(json: YAMLJSON.json(value))))
            } catch {
                var located = error
                located.endpoint = name
                throw LoadError(path: path, message: located.description)
            }
        }
        return scripts
    }

    /// A YAML error without the line of the file that Yams quotes with it: that line may hold a
    /// script's `secret`, and the error is printed.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "\(error)" }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let within = context.map { "\($0.text) in line \($0.mark.line), column \($0.mark.column): " } ?? ""
            return "\(mark): \(within)\(problem)"
        case .reader(let problem, let offset, _, _):
            return offset.map { "\(problem) at byte \($0)" } ?? problem
        default:
            return error.description
        }
    }
}
