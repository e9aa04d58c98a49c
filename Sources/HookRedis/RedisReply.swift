/// A Redis reply as RESP2 (hiredis 0.14) gives it, copied out of hiredis's memory.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    /// A bulk string: bytes, because values may hold any binary data.
    case bulk([UInt8])
    case array([RedisReply])
    case null
}

/// A Redis connection or command failed; says which and why, never with the command's values.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "redis: \(message)" }
}
