import HookRPC
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The listening side of hookd: accepts connections on the Unix socket and gives each a pipeline
/// of frame decoder and `RPCConnectionHandler` (which keeps the idle timer).
public final class HookServer: Sendable {
    /// The server could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let group: EventLoopGroup
    private let dispatcher: RPCDispatcher
    private let state: DaemonState
    private let logger: Logger

    public init(group: EventLoopGroup, dispatcher: RPCDispatcher, state: DaemonState, logger: Logger) {
        self.group = group
        self.dispatcher = dispatcher
        self.state = state
        self.logger = logger
    }

    /// Binds (or adopts) the listening socket and starts accepting.
    /// - Returns: the listening channel; close it to stop accepting.
    public func start(at address: ListenAddress) throws(StartError) -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [dispatcher, state] channel in
                Self.initialize(channel, dispatcher: dispatcher, state: state)
            }
        do {
            switch address.kind {
            case .inheritedDescriptor(let descriptor):
                return try bootstrap.withBoundSocket(descriptor).wait()
            case .path(let path):
                do {
                    try SocketFile.prepare(path)
                } catch {
                    throw StartError(description: error.description)
                }
                let configuration = state.configuration
                // Create the socket file with no access for others, then open it up to the mode
                // and group configured: there is never a moment it is wider than intended.
                let previousMask = umask(0o177)
                let channel: Channel
                do {
                    defer { umask(previousMask) }
                    channel = try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).wait()
                }
                do {
                    try SocketFile.applyPermissions(path, mode: configuration.socketMode, groupID: configuration.socketGroupID)
                } catch {
                    try? channel.close().wait()
                    throw StartError(description: error.description)
                }
                return channel
            }
        } catch let error as StartError {
            throw error
        } catch {
            throw StartError(description: "cannot listen on \(address): \(error)")
        }
    }

    /// Stops serving: asks every connection to finish its in-flight calls and close, waits up to
    /// `grace`, then closes whatever is left. The listening channel must be closed first.
    public func drainConnections(grace: TimeAmount) {
        let channels = state.connections.all
        guard !channels.isEmpty else { return }
        logger.info("draining connections", metadata: ["connections": "\(channels.count)"])
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ConnectionDrainEvent())
        }
        let eventLoop = group.next()
        let finished = eventLoop.makePromise(of: Void.self)
        EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: eventLoop).cascade(to: finished)
        let deadline = eventLoop.scheduleTask(in: grace) { finished.succeed() }
        try? finished.futureResult.wait()
        deadline.cancel()
        for channel in state.connections.all {
            channel.close(promise: nil)
        }
    }

    private static func initialize(_ channel: Channel, dispatcher: RPCDispatcher, state: DaemonState) -> EventLoopFuture<Void> {
        let configuration = state.configuration
        let limits = configuration.limits
        guard let connectionID = state.connections.register(channel, limit: limits.maxConnections) else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionLimitHandler(limit: limits.maxConnections))
            }
        }
        let policy = state.accessPolicy
        return PeerCredentials.read(from: channel, withGroups: policy.needsGroups).flatMapThrowing { peer in
            let handlers = channel.pipeline.syncOperations
            try handlers.addHandler(ByteToMessageHandler(NDJSONFrameDecoder(maximumLineLength: limits.maxLineBytes)))
            try handlers.addHandler(RPCConnectionHandler(
                dispatcher: dispatcher, state: state,
                callContext: CallContext(peer: peer, connectionID: connectionID),
                maxInFlight: limits.maxInFlightPerConnection,
                idleTimeout: limits.idleTimeoutSeconds > 0 ? .seconds(Int64(limits.idleTimeoutSeconds)) : nil))
        }
    }
}
