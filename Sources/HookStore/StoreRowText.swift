import HookJSON

/// How the registry's and the queue's rows read the text columns they share.
enum StoreRowText {
    /// Why a stored enumeration value cannot be read: most likely a newer hookd wrote it.
    static func enumerationReason<Value: RawRepresentable & CaseIterable>(
        _ text: String, _: Value.Type
    ) -> String where Value.RawValue == String {
        let known = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return "holds '\(text.prefix(64))', which this hookd does not know (one of \(known)); was it written by a newer hookd?"
    }

    /// Headers stored as a JSON object of strings; nil when the text is not one.
    static func decodeHeaders(_ text: String) -> [String: String]? {
        guard case .object(let object)? = try? JSONValue.parse(text) else { return nil }
        var headers: [String: String] = [:]
        for member in object {
            guard case .string(let value) = member.value else { return nil }
            headers[member.key] = value
        }
        return headers
    }
}
