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

/// How a method runs.
///
/// Hot-path methods are `immediate`: they run on the connection's event loop with no task or
/// actor hop and must never block. Anything that waits on the outside world is `deferred`: it
/// runs as a task and its reply is written when it finishes, so other requests on the same
/// connection are answered meanwhile.
public enum MethodHandler: Sendable {
    case immediate(@Sendable (JSONObject, CallContext) throws(RPCError) -> JSONValue)
    case deferred(@Sendable (JSONObject, CallContext) async throws(RPCError) -> JSONValue)
}

/// The daemon's methods by name. Built once at start-up; read-only afterwards.
public struct MethodTable: Sendable {
    private var handlers: [String: MethodHandler] = [:]

    public init() {}

    /// Adds a method; registering a name twice is a programming error caught at start-up.
    public mutating func register(_ name: String, _ handler: MethodHandler) {
        precondition(handlers[name] == nil, "method \(name) registered twice")
        handlers[name] = handler
    }

    public func handler(for name: String) -> MethodHandler? { handlers[name] }

    /// Every method name, sorted, for `rpc.discover` checks and `hookrpc methods`.
    public var names: [String] { handlers.keys.sorted() }
}
