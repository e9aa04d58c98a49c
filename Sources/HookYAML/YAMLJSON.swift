import HookJSON
import Yams

/// YAML read as JSON, for the files people write by hand (`hookrpc webhook import`, the sandbox's
/// `--scripts`): a plain scalar takes YAML's type, a quoted one stays a string, an alias is null.
public enum YAMLJSON {
    public static func json(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { JSONObject.Member(key: $0.key.string ?? "", value: json($0.value)) }))
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let bool = node.bool { return .bool(bool) }
            if let integer = node.int { return .integer(Int64(integer)) }
            if let number = node.float { return .double(number) }
            return .string(scalar.string)
        case .alias:
            return .null
        }
    }
}
