import CJansson

extension JSONValue {
    /// The deepest nesting of arrays and objects that parsing accepts.
    ///
    /// jansson's own limit is 2048; we stop far earlier so that no request can make the daemon
    /// recurse deeply while converting or encoding.
    public static let maximumNestingDepth = 512

    /// Parses exactly one JSON value from UTF-8 bytes.
    ///
    /// Strict on purpose: invalid UTF-8, duplicate object keys, integers outside Int64, reals that
    /// overflow, trailing data and nesting deeper than `maximumNestingDepth` are errors. A NUL
    /// character is accepted inside a string when it is escaped (`\u0000`), as JSON allows.
    /// - Throws: `JSONParseError` saying what is wrong and where.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(reason: "empty input", line: 1, column: 0, position: 0)
        }
        var error = json_error_t()
        let flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL
        guard let root = json_loadb(base.assumingMemoryBound(to: CChar.self), bytes.count, Int(flags), &error) else {
            throw JSONParseError(
                reason: Self.message(of: &error),
                line: Int(error.line), column: Int(error.column), position: Int(error.position))
        }
        let owned = JanssonReference(taking: root)
        return try owned.value(depthLimit: maximumNestingDepth)
    }

    private static func message(of error: inout json_error_t) -> String {
        withUnsafeBytes(of: &error.text) { raw in
            // jansson always NUL-terminates `text` within its fixed buffer.
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Parses exactly one JSON value from a byte collection.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let parsed = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer)) }
        } ?? Array(bytes).withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }
        return try parsed.get()
    }

    /// Parses exactly one JSON value from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(text.utf8)
    }
}

/// Owns one reference to a jansson value and drops it exactly once.
///
/// Nothing outside HookJSON sees a `json_t`; values are converted to `JSONValue` while this owner
/// is alive and the tree is released when it goes away.
struct JanssonReference: ~Copyable {
    private let pointer: UnsafeMutablePointer<json_t>

    /// Takes over a new reference (as returned by `json_loadb` or a `json_*` constructor).
    init(taking pointer: UnsafeMutablePointer<json_t>) { self.pointer = pointer }

    deinit { json_decref(pointer) }

    func value(depthLimit: Int) throws(JSONParseError) -> JSONValue {
        try Self.convert(pointer, depth: 0, limit: depthLimit)
    }

    private static func convert(_ node: UnsafeMutablePointer<json_t>, depth: Int, limit: Int) throws(JSONParseError) -> JSONValue {
        switch hookd_json_typeof(node) {
        case JSON_NULL: return .null
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        case JSON_INTEGER: return .integer(Int64(json_integer_value(node)))
        case JSON_REAL: return .double(json_real_value(node))
        case JSON_STRING:
            let length = json_string_length(node)
            guard let characters = json_string_value(node) else { return .string("") }
            let bytes = UnsafeRawBufferPointer(start: characters, count: length)
            return .string(String(decoding: bytes, as: UTF8.self))
        case JSON_ARRAY:
            guard depth < limit else { throw tooDeep(limit) }
            let count = json_array_size(node)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                // json_array_get borrows; the array keeps the element alive.
                guard let element = json_array_get(node, index) else { continue }
                elements.append(try convert(element, depth: depth + 1, limit: limit))
            }
            return .array(elements)
        case JSON_OBJECT:
            guard depth < limit else { throw tooDeep(limit) }
            var members: [JSONObject.Member] = []
            members.reserveCapacity(json_object_size(node))
            var iterator = json_object_iter(node)
            while let current = iterator {
                guard let keyPointer = json_object_iter_key(current), let element = json_object_iter_value(current) else { break }
                let keyLength = json_object_iter_key_len(current)
                let key = String(decoding: UnsafeRawBufferPointer(start: keyPointer, count: keyLength), as: UTF8.self)
                members.append(JSONObject.Member(key: key, value: try convert(element, depth: depth + 1, limit: limit)))
                iterator = json_object_iter_next(node, current)
            }
            return .object(JSONObject(uncheckedMembers: members))
        default:
            throw JSONParseError(reason: "unknown JSON type from parser")
        }
    }

    private static func tooDeep(_ limit: Int) -> JSONParseError {
        JSONParseError(reason: "nesting deeper than \(limit) levels")
    }
}
