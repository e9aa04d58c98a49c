import HookCore
import HookJSON
import HookRPC

/// What a method handler knows about its call.
public struct CallContext: Sendable {
    public var peer: Peer
    public var connectionID: UInt64

    public init(peer: Peer, connectionID: UInt64) {
        self.peer = peer
        self.connectionID = connectionID
    }
}

/// What a method handler gives back: the result now, or work that finishes later.
///
/// Every handler runs first on the connection's event loop, with no task or actor hop, and must
/// not block there. Hot paths answer with `.value`. A call that waits on the outside world
/// returns `.later`: it runs as a task and its reply is written when it finishes, so other
/// requests on the same connection are answered meanwhile (replies may come out of order).
public enum MethodResult: Sendable {
    case value(JSONValue)
    /// The result already encoded as compact JSON: for hot paths that write their answer
    /// straight into bytes instead of building a tree first.
    case encoded([UInt8])
    case later(@Sendable () async throws(RPCError) -> JSONValue)
}

/// A method: checks its params on the event loop and answers or defers.
public typealias MethodHandler = @Sendable (JSONObject, CallContext) throws(RPCError) -> MethodResult

/// The daemon's methods by name. Built once at start-up; read-only afterwards.
public struct MethodTable: Sendable {
    private var handlers: [String: MethodHandler] = [:]

    public init() {}

    /// Adds a method; registering a name twice is a programming error caught at start-up.
    public mutating func register(_ name: String, _ handler: @escaping MethodHandler) {
        precondition(handlers[name] == nil, "method \(name) registered twice")
        handlers[name] = handler
    }

    public func handler(for name: String) -> MethodHandler? { handlers[name] }

    /// Every method name, sorted, for `rpc.discover` checks and `hookrpc methods`.
    public var names: [String] { handlers.keys.sorted() }
}
