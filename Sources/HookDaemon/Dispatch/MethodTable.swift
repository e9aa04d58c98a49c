import HookCore
import HookJSON
import HookRPC
import NIOCore

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
/// not block there. A call that waits on the outside world returns `.later`: it runs as one task
/// and its reply is written when it finishes, so other requests on the same connection are
/// answered meanwhile (replies may come out of order).
public enum MethodResult: Sendable {
    case value(JSONValue)
    /// A direct handler has written its result (compact JSON) into the reply: the hot paths
    /// encode straight into the outgoing buffer instead of building a tree first.
    case written
    case later(@Sendable () async throws(RPCError) -> JSONValue)
}

/// A method: checks its params on the event loop and answers or defers.
public typealias MethodHandler = @Sendable (JSONObject, CallContext) throws(RPCError) -> MethodResult

/// A hot method: like `MethodHandler`, and may write its result straight into the reply, where
/// the reply's head is already written; it then returns `.written`.
public typealias DirectMethodHandler = @Sendable (JSONObject, CallContext, inout ByteBuffer) throws(RPCError) -> MethodResult

/// The daemon's methods by name. Built once at start-up; read-only afterwards.
public struct MethodTable: Sendable {
    private var handlers: [String: DirectMethodHandler] = [:]

    public init() {}

    /// Adds a method; registering a name twice is a programming error caught at start-up.
    public mutating func register(_ name: String, _ handler: @escaping MethodHandler) {
        registerDirect(name) { params, context, _ throws(RPCError) in
            let result = try handler(params, context)
            if case .written = result { throw RPCError(.internalError, "\(name) claimed a result it cannot write") }
            return result
        }
    }

    /// Adds a hot method that writes its own result.
    public mutating func registerDirect(_ name: String, _ handler: @escaping DirectMethodHandler) {
        precondition(handlers[name] == nil, "method \(name) registered twice")
        handlers[name] = handler
    }

    public func handler(for name: String) -> DirectMethodHandler? { handlers[name] }

    /// Every method name, sorted, for `rpc.discover` checks and `hookrpc methods`.
    public var names: [String] { handlers.keys.sorted() }
}
