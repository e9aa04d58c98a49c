/// A `breaker` setting out of range: the key (`failure_rate`, `min_requests`, `window`,
/// `cooldown`, `max_cooldown`, `disable_after`) and what it must be.
public struct CircuitBreakerSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key under `breaker`, as config writes it.
    public var field: String
    /// What the value must be, with the value found.
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "breaker.\(field) \(reason)" }
}
