import HookRPC
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The listening side of hookd, as a service: binds (or adopts) the Unix socket, gives each
/// connection an `RPCConnectionHandler`, and on graceful shutdown stops
/// accepting, lets every connection finish its calls up to the grace, then closes what is left.
///
/// Its states are `ServerStateMachine`'s; `state` tells where it is.
public final class HookServer: Service, Sendable {
    /// The server could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let group: EventLoopGroup
    private let dispatcher: RPCDispatcher
    private let daemonState: DaemonState
    private let address: ListenAddress
    private let logger: Logger
    private let onServing: @Sendable () -> Void
    private let onDraining: @Sendable () -> Void
    private let machine = Mutex(ServerStateMachine())
    /// The listening channel once bound, so a shutdown can close it from any thread.
    private let listener = Mutex<Channel?>(nil)

    /// - Parameters:
    ///   - onServing: called once the socket accepts connections (the daemon reports READY).
    ///   - onDraining: called when graceful shutdown begins (the daemon reports STOPPING).
    public init(group: EventLoopGroup, dispatcher: RPCDispatcher, state: DaemonState, address: ListenAddress, logger: Logger,
                onServing: @escaping @Sendable () -> Void = {}, onDraining: @escaping @Sendable () -> Void = {}) {
        self.group = group
        self.dispatcher = dispatcher
        self.daemonState = state
        self.address = address
        self.logger = logger
        self.onServing = onServing
        self.onDraining = onDraining
    }

    /// Where the server is in its life.
    var state: ServerStateMachine.State { machine.withLock { $0.state } }

    /// Serves until graceful shutdown (or cancellation), then drains and returns.
    /// - Throws: `StartError` when the socket cannot be listened on; the server is then stopped.
    public func run() async throws {
        try machine.withLock { try $0.start() }
        let channel: Channel
        do {
            channel = try await bind()
        } catch {
            try machine.withLock { try $0.bindFailed() }
            throw error
        }
        listener.withLock { $0 = channel }
        switch try machine.withLock({ try $0.bound() }) {
        case .closeListener:
            try? await channel.close()
            removeSocketFile()
            return
        case .serve:
            break
        }
        logger.info("hookd \(hookdVersion) listening", metadata: ["socket": "\(address)"])
        onServing()
        try? await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        // Cancellation, or a listener that closed on its own, ends serving the same way.
        beginShutdown()
        await drainConnections(grace: .seconds(Int64(daemonState.configuration.limits.shutdownGraceSeconds)))
        try machine.withLock { try $0.drained() }
        removeSocketFile()
        logger.info("stopped serving")
    }

    /// Stops accepting; the draining itself happens in `run`, which is waiting on the listener.
    private func beginShutdown() {
        let action = machine.withLock { $0.shutdown() }
        guard action != .none else { return }
        onDraining()
        if action == .closeListenerAndDrain { listener.withLock { $0 }?.close(promise: nil) }
    }

    /// Asks every connection to finish its in-flight calls and close, waits up to `grace`, then
    /// closes whatever is left.
    private func drainConnections(grace: TimeAmount) async {
        let channels = daemonState.connections.all
        guard !channels.isEmpty else { return }
        logger.info("draining connections", metadata: ["connections": "\(channels.count)"])
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ConnectionDrainEvent())
        }
        let eventLoop = group.next()
        let connections = daemonState.connections
        let deadline = eventLoop.scheduleTask(in: grace) {
            for channel in connections.all { channel.close(promise: nil) }
        }
        try? await EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: eventLoop).get()
        deadline.cancel()
    }

    private func removeSocketFile() {
        if let path = address.path { unlink(path) }
    }

    private func bind() async throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: Self.waterMark(daemonState.configuration.limits))
            // One read of at most 16 KiB per connection per loop turn: a peer flooding pipelined
            // calls then holds its event loop for ~150 calls at a time, not ~2 400 (4 × 64 KiB),
            // so the other connections on that loop wait well under a millisecond for their turn.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2_048, maximum: 16_384))
            .childChannelInitializer { [dispatcher, daemonState] channel in
                Self.initialize(channel, dispatcher: dispatcher, state: daemonState)
            }
        switch address.kind {
        case .inheritedDescriptor(let descriptor):
            do {
                return try await bootstrap.withBoundSocket(descriptor).get()
            } catch {
                throw StartError(description: "cannot listen on \(address): \(error)")
            }
        case .path(let path):
            let directory = SocketFile.parent(of: path)
            do {
                try SocketFile.prepare(path)
                try SocketFile.checkOwnDirectory(directory, daemonUserID: daemonState.daemonUserID, purpose: "socket")
            } catch {
                throw StartError(description: error.description)
            }
            // Bind in a private directory of our own, set mode and group there, then rename the
            // socket into place: the path is never wider than configured, and hookd never
            // changes the mode of a path another user could have swapped.
            var template = Array("\(directory)/.hookd-XXXXXX".utf8CString)
            let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
            guard let privateDirectory = created.map({ String(cString: $0) }) else {
                throw StartError(description: "cannot create a private directory in \(directory): \(String(cString: strerror(errno)))")
            }
            defer { rmdir(privateDirectory) }
            let temporaryPath = "\(privateDirectory)/s"
            guard temporaryPath.utf8.count < 108 else {
                throw StartError(description: "socket path is too long to bind through a private directory (107 bytes at most): \(temporaryPath)")
            }
            let configuration = daemonState.configuration
            let previousMask = umask(0o177)
            let channel: Channel
            do {
                defer { umask(previousMask) }
                channel = try await bootstrap.bind(unixDomainSocketPath: temporaryPath, cleanupExistingSocketFile: false).get()
            } catch {
                throw StartError(description: "cannot listen on \(address): \(error)")
            }
            do throws(SocketFile.Failure) {
                try SocketFile.applyPermissions(temporaryPath, mode: configuration.socketMode, groupID: configuration.socketGroupID)
                guard rename(temporaryPath, path) == 0 else {
                    throw SocketFile.Failure(description: "cannot move the socket into place at \(path): \(String(cString: strerror(errno)))")
                }
            } catch {
                unlink(temporaryPath)
                try? await channel.close()
                throw StartError(description: error.description)
            }
            return channel
        }
    }

    /// Stop reading a client once its unread replies pass the limit; read again below half of it.
    static func waterMark(_ limits: DaemonConfiguration.Limits) -> ChannelOptions.Types.WriteBufferWaterMark {
        ChannelOptions.Types.WriteBufferWaterMark(low: limits.maxUnreadReplyBytes / 2, high: limits.maxUnreadReplyBytes)
    }

    private static func initialize(_ channel: Channel, dispatcher: RPCDispatcher, state: DaemonState) -> EventLoopFuture<Void> {
        let configuration = state.configuration
        let limits = configuration.limits
        let policy = state.accessPolicy
        return PeerCredentials.read(from: channel, withGroups: policy.needsGroups).flatMapThrowing { peer in
            let handlers = channel.pipeline.syncOperations
            let connectionID: UInt64
            switch state.connections.register(channel, userID: peer.userID, limit: limits.maxConnections,
                                              perUserLimit: limits.maxConnectionsPerUID) {
            case .success(let id):
                connectionID = id
            case .failure(.total(let limit)):
                dispatcher.observer?.refused(reason: "connection_limit")
                return try handlers.addHandler(ConnectionLimitHandler(
                    error: RPCError(.overloaded, "too many connections (limit \(limit)); try again later", details: ["limit": .integer(Int64(limit))])))
            case .failure(.perUser(let limit)):
                dispatcher.observer?.refused(reason: "per_uid_limit")
                return try handlers.addHandler(ConnectionLimitHandler(
                    error: RPCError(.overloaded, "too many connections from uid \(peer.userID) (limit \(limit)); try again later",
                                    details: ["limit": .integer(Int64(limit)), "reason": "per_uid"])))
            }
            try handlers.addHandler(RPCConnectionHandler(
                dispatcher: dispatcher, state: state,
                callContext: CallContext(peer: peer, connectionID: connectionID),
                maxLineLength: limits.maxLineBytes, maxInFlight: limits.maxInFlightPerConnection, maxBatch: limits.maxBatch,
                idleTimeout: limits.idleTimeoutSeconds > 0 ? .seconds(Int64(limits.idleTimeoutSeconds)) : nil))
        }
    }
}
