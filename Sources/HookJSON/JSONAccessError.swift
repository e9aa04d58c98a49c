/// A value was missing or of the wrong type where typed access expected something.
///
/// It names the key so that an RPC layer can turn it into "-32602: parameter 'x' ...".
public struct JSONAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The key is absent (or null where a value is required).
        case missing
        /// The key holds a value of another type.
        case wrongType(expected: String, found: String)
        /// The key holds a value of the right type that is out of its allowed range or set.
        case invalid(reason: String)
    }

    /// The key (or dotted path) that was wrong.
    public var key: String
    public var problem: Problem

    public init(key: String, problem: Problem) {
        self.key = key
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: "missing '\(key)'"
        case .wrongType(let expected, let found): "'\(key)' must be \(expected), found \(found)"
        case .invalid(let reason): "'\(key)' \(reason)"
        }
    }
}

extension JSONObject {
    /// The value of a required member of any type.
    public func required(_ key: String) throws(JSONAccessError) -> JSONValue {
        guard let value = self[key] else { throw JSONAccessError(key: key, problem: .missing) }
        return value
    }

    /// A required string.
    public func string(_ key: String) throws(JSONAccessError) -> String {
        guard let value = try optionalString(key) else { throw JSONAccessError(key: key, problem: .missing) }
        return value
    }

    /// A string that may be absent or null.
    public func optionalString(_ key: String) throws(JSONAccessError) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw JSONAccessError(key: key, problem: .wrongType(expected: "a string", found: other.typeName))
        }
    }

    /// An integer that may be absent or null; a real with a fractional part is refused.
    public func optionalInteger(_ key: String) throws(JSONAccessError) -> Int64? {
        switch self[key] {
        case nil, .null?: return nil
        case let value?:
            guard let integer = value.integerValue else {
                throw JSONAccessError(key: key, problem: .wrongType(expected: "an integer", found: value.typeName))
            }
            return integer
        }
    }

    /// A number that may be absent or null.
    public func optionalDouble(_ key: String) throws(JSONAccessError) -> Double? {
        switch self[key] {
        case nil, .null?: return nil
        case let value?:
            guard let number = value.doubleValue else {
                throw JSONAccessError(key: key, problem: .wrongType(expected: "a number", found: value.typeName))
            }
            return number
        }
    }

    /// A boolean that may be absent or null.
    public func optionalBool(_ key: String) throws(JSONAccessError) -> Bool? {
        switch self[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw JSONAccessError(key: key, problem: .wrongType(expected: "a boolean", found: other.typeName))
        }
    }

    /// An object that may be absent or null.
    public func optionalObject(_ key: String) throws(JSONAccessError) -> JSONObject? {
        switch self[key] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        case let other?: throw JSONAccessError(key: key, problem: .wrongType(expected: "an object", found: other.typeName))
        }
    }

    /// An array that may be absent or null.
    public func optionalArray(_ key: String) throws(JSONAccessError) -> [JSONValue]? {
        switch self[key] {
        case nil, .null?: return nil
        case .array(let value)?: return value
        case let other?: throw JSONAccessError(key: key, problem: .wrongType(expected: "an array", found: other.typeName))
        }
    }
}
