/// A configuration that cannot be used: which file, which key, where, and what is wrong.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// The dotted key path, such as `hookd.limits.max_connections` (empty for the whole file).
    public var key: String
    /// 1-based line in the file, when known.
    public var line: Int?
    public var problem: String

    public init(file: String, key: String, line: Int? = nil, problem: String) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(location): \(problem)" : "\(location): \(key): \(problem)"
    }
}
