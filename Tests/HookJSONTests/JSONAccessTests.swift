import HookJSON
import Testing

@Suite("Typed access on JSONObject")
struct JSONAccessTests {
    static let object: JSONObject = [
        "name": "hook-1",
        "count": 3,
        "whole": 4.0,
        "ratio": 0.5,
        "enabled": true,
        "options": ["a": 1],
        "tags": ["x", "y"],
        "nothing": .null,
    ]

    @Test("values of the right type are returned")
    func rightTypes() throws {
        #expect(try Self.object.string("name") == "hook-1")
        #expect(try Self.object.optionalString("name") == "hook-1")
        #expect(try Self.object.optionalInteger("count") == 3)
        #expect(try Self.object.optionalInteger("whole") == 4)
        #expect(try Self.object.optionalDouble("ratio") == 0.5)
        #expect(try Self.object.optionalDouble("count") == 3.0)
        #expect(try Self.object.optionalBool("enabled") == true)
        #expect(try Self.object.optionalObject("options") == ["a": 1])
        #expect(try Self.object.optionalArray("tags") == ["x", "y"])
        #expect(try Self.object.required("nothing") == .null)
    }

    @Test("absent and null optional members are nil", arguments: ["absent", "nothing"])
    func absentOrNull(key: String) throws {
        #expect(try Self.object.optionalString(key) == nil)
        #expect(try Self.object.optionalInteger(key) == nil)
        #expect(try Self.object.optionalDouble(key) == nil)
        #expect(try Self.object.optionalBool(key) == nil)
        #expect(try Self.object.optionalObject(key) == nil)
        #expect(try Self.object.optionalArray(key) == nil)
    }

    @Test("a required string that is absent or null is missing, by name", arguments: ["absent", "nothing"])
    func missingString(key: String) throws {
        let error = try #require(throws: JSONAccessError.self) { try Self.object.string(key) }
        #expect(error == JSONAccessError(key: key, problem: .missing))
        #expect(error.description == "missing '\(key)'")
    }

    @Test("required(_:) of an absent key is missing")
    func requiredAbsent() throws {
        let error = try #require(throws: JSONAccessError.self) { try Self.object.required("absent") }
        #expect(error.key == "absent")
        #expect(error.problem == .missing)
    }

    @Test("a string of the wrong type names the key and both types")
    func stringWrongType() throws {
        let error = try #require(throws: JSONAccessError.self) { try Self.object.string("count") }
        #expect(error.key == "count")
        #expect(error.problem == .wrongType(expected: "a string", found: "number"))
        #expect(error.description == "'count' must be a string, found number")
    }

    @Test("an integer with a fractional part is the wrong type")
    func fractionalInteger() throws {
        let error = try #require(throws: JSONAccessError.self) { try Self.object.optionalInteger("ratio") }
        #expect(error == JSONAccessError(key: "ratio", problem: .wrongType(expected: "an integer", found: "number")))
        #expect(error.description == "'ratio' must be an integer, found number")
    }

    @Test("each accessor names its expected type and the found type", arguments: [
        ("integer", "name", "an integer", "string"),
        ("double", "enabled", "a number", "boolean"),
        ("bool", "count", "a boolean", "number"),
        ("object", "tags", "an object", "array"),
        ("array", "options", "an array", "object"),
        ("string", "enabled", "a string", "boolean"),
    ])
    func wrongTypes(accessor: String, key: String, expected: String, found: String) throws {
        let error = try #require(throws: JSONAccessError.self) {
            switch accessor {
            case "integer": _ = try Self.object.optionalInteger(key)
            case "double": _ = try Self.object.optionalDouble(key)
            case "bool": _ = try Self.object.optionalBool(key)
            case "object": _ = try Self.object.optionalObject(key)
            case "array": _ = try Self.object.optionalArray(key)
            default: _ = try Self.object.optionalString(key)
            }
        }
        #expect(error.key == key)
        #expect(error.problem == .wrongType(expected: expected, found: found))
        #expect(error.description == "'\(key)' must be \(expected), found \(found)")
    }

    @Test("an invalid value's description gives the key and the reason")
    func invalidDescription() {
        let error = JSONAccessError(key: "ttl", problem: .invalid(reason: "must be positive"))
        #expect(error.description == "'ttl' must be positive")
    }

    @Test("JSONValue's key subscript reads object members only")
    func valueSubscript() {
        let value = JSONValue.object(Self.object)
        #expect(value["name"] == "hook-1")
        #expect(value["absent"] == nil)
        #expect(JSONValue.array([1])["name"] == nil)
    }
}
