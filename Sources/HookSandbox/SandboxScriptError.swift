/// A script that cannot be used, naming the field and why (the API answers it as a 400).
public struct SandboxScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending field, e.g. `statuses[2]` or `latency_ms.max`; empty for the script itself.
    public var field: String
    /// Why, in a sentence.
    public var message: String
    /// The endpoint the script was for, when known (a scripts file names several).
    public var endpoint: String?

    public init(field: String, message: String, endpoint: String? = nil) {
        self.field = field
        self.message = message
        self.endpoint = endpoint
    }

    public var description: String {
        let subject = field.isEmpty ? "script" : "script field '\(field)'"
        return endpoint.map { "endpoint '\($0)': \(subject): \(message)" } ?? "\(subject): \(message)"
    }
}
