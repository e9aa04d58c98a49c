import HookCore
import HookJSON
import HookRPC
import NIOCore

/// Asks a connection to finish what it has in flight and close (sent on shutdown).
struct ConnectionDrainEvent: Sendable {}

/// Serves one client connection: frames lines, dispatches them, writes replies as they finish.
///
/// Framing happens here, on the receive buffer itself, rather than in a decoder handler before
/// this one: one pipeline step per read, and every line a slice of the bytes as they arrived.
///
/// Back-pressure: when `maxInFlight` calls are unanswered (each deferred call of a batch counts),
/// or the replies not yet taken by the client pass the channel's write-buffer high-water mark,
/// further lines wait in a queue and the handler stops asking the socket for more bytes until
/// replies go out. So a client that writes and never reads costs hookd at most one read's lines
/// and the replies already owed, however much it sends. A blank line is not activity: it does
/// not keep an idle connection open.
/// The connection closes after the client half-closes (everything in flight is answered first),
/// after a drain request (in-flight calls finish; lines not yet started get `shutting_down`),
/// after an over-long line (answered with `too_large`), or when idle with nothing in flight.
/// The idle timer lives here rather than in NIO's IdleStateHandler: one timer per connection,
/// re-armed only when it fires, instead of a handler that every read, write and flush passes.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let state: DaemonState
    private let callContext: CallContext
    private let maxInFlight: Int
    private let maxBatch: Int
    private let idleTimeout: TimeAmount?
    /// Splits the input into lines (HookRPC's one framing rule), bounded by `hookd.limits.max_line_bytes`.
    private var framer: LineFramer
    /// The start of a line whose newline has not arrived yet.
    private var partialLine: ByteBuffer?
    /// After an over-long line nothing more is read from this connection; it is closing.
    private var inputRefused = false
    /// The ACL as last read, and its version: re-read only after a reload replaced it.
    private var policy: AccessPolicy
    private var policyVersion: UInt64

    private var context: ChannelHandlerContext?
    private var completionSink: RPCDispatcher.Completion?
    private var inFlight = 0
    private var queued = CircularBuffer<ByteBuffer>()
    private var readHeld = false
    private var inputClosed = false
    private var draining = false
    /// Replies written since the last flush: every immediate reply of one read burst leaves in
    /// one write, so a pipelining client costs one syscall per burst, not one per request.
    private var pendingOutput: ByteBuffer?
    /// On the event loop's clock (`eventLoop.now`), which tests can advance.
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var idleCheck: Scheduled<Void>?

    init(dispatcher: RPCDispatcher, state: DaemonState, callContext: CallContext, maxLineLength: Int, maxInFlight: Int,
         maxBatch: Int = .max, idleTimeout: TimeAmount? = nil) {
        framer = LineFramer(maximumLineLength: maxLineLength)
        policyVersion = state.accessPolicyVersion
        policy = state.accessPolicy
        self.dispatcher = dispatcher
        self.state = state
        self.callContext = callContext
        self.maxInFlight = maxInFlight
        self.maxBatch = maxBatch
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // One completion closure per connection, not per request: deferred replies hop back here.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        completionSink = { reply, calls in
            eventLoop.execute { bound.value.deferredCallCompleted(reply, calls: calls) }
        }
        lastActivity = context.eventLoop.now
        scheduleIdleCheck(at: lastActivity, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        completionSink = nil
        idleCheck?.cancel()
        idleCheck = nil
    }

    /// Closes the connection once it has seen no input or output for `idleTimeout` and has
    /// nothing in flight; otherwise looks again when the timeout would next run out.
    private func scheduleIdleCheck(at lastActivity: NIODeadline, context: ChannelHandlerContext) {
        guard let idleTimeout else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.scheduleTask(deadline: lastActivity + idleTimeout) {
            bound.value.idleCheckFired()
        }
    }

    private func idleCheckFired() {
        guard let context, let idleTimeout else { return }
        let now = context.eventLoop.now
        if inFlight == 0 && queued.isEmpty && now >= lastActivity + idleTimeout {
            context.close(promise: nil)
        } else {
            scheduleIdleCheck(at: max(lastActivity, now - idleTimeout + .milliseconds(100)), context: context)
        }
    }

    /// Whether a new line may run now: below the in-flight limit and the client taking its replies.
    private func canProcess(_ context: ChannelHandlerContext) -> Bool {
        inFlight < maxInFlight && context.channel.isWritable
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputRefused else { return }
        var input = unwrapInboundIn(data)
        if var earlier = partialLine {
            // The start of a line came in an earlier read: join them, then frame from its start.
            partialLine = nil
            earlier.writeBuffer(&input)
            input = earlier
        }
        while true {
            switch input.withUnsafeReadableBytes({ framer.scan($0) }) {
            case .line(let length):
                // The slice shares storage with the receive buffer: no copy for the line.
                guard let line = input.readSlice(length: length) else { return }
                input.moveReaderIndex(forwardBy: 1)
                if Self.isBlank(line) { continue }
                lastActivity = context.eventLoop.now
                if !canProcess(context) || !queued.isEmpty {
                    queued.append(line)
                } else {
                    process(line, context: context)
                    // Large replies leave at once, so the client's reading (writability) decides the next line.
                    if (pendingOutput?.readableBytes ?? 0) >= Self.eagerFlushBytes { flushIfNeeded(context: context) }
                }
            case .needMoreBytes:
                if input.readableBytes > 0 {
                    // Only the unframed tail is kept. The joined buffer also holds the lines
                    // already consumed; kept whole, it would grow with every read that ends
                    // mid-line, which a peer pipelining steadily makes almost every read do.
                    input.discardReadBytes()
                    partialLine = input
                }
                return
            case .overlong(let limit):
                refuseInput(RPCError(.tooLarge, "request line exceeds the limit of \(limit) bytes", details: ["limit": .integer(Int64(limit))]),
                            context: context)
                return
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if !canProcess(context) || !queued.isEmpty || draining || inputClosed {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resume(context: context) }
        context.fireChannelWritabilityChanged()
    }

    /// Replies of a read burst are gathered into one write up to this size.
    static let eagerFlushBytes = 64 * 1024

    private static func isBlank(_ line: ByteBuffer) -> Bool {
        line.withUnsafeReadableBytes { bytes in bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let event as ChannelEvent where event == .inputClosed:
            // A last line without its newline is incomplete: JSON-RPC over NDJSON needs the terminator.
            partialLine = nil
            inputClosed = true
            closeIfFinished(context: context)
        case is ConnectionDrainEvent:
            draining = true
            closeIfFinished(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Socket errors (a peer that vanished) end the connection; they are not the daemon's fault.
        context.close(promise: nil)
    }

    private func process(_ line: ByteBuffer, context: ChannelHandlerContext) {
        // Taken out of `pendingOutput` while written to, so the buffer stays uniquely owned.
        var output = pendingOutput ?? context.channel.allocator.buffer(capacity: 512)
        pendingOutput = nil
        defer { pendingOutput = output.readableBytes > 0 ? output : nil }
        if draining {
            let stopping = RPCError(.shuttingDown, "hookd is shutting down and takes no new requests")
            line.withUnsafeReadableBytes { dispatcher.refuse(line: $0, error: stopping, into: &output) }
            return
        }
        guard let completionSink else { return }
        let currentVersion = state.accessPolicyVersion
        if currentVersion != policyVersion {
            policy = state.accessPolicy
            policyVersion = currentVersion
        }
        let outcome = line.withUnsafeReadableBytes { bytes in
            dispatcher.dispatch(line: bytes, context: callContext, policy: policy, maxBatch: maxBatch, into: &output, completion: completionSink)
        }
        if case .pending(let calls) = outcome { inFlight += calls }
    }

    private func deferredCallCompleted(_ reply: ByteBuffer?, calls: Int) {
        guard let context else { return }
        inFlight -= calls
        if var reply {
            if pendingOutput == nil {
                pendingOutput = reply
            } else {
                pendingOutput?.writeBuffer(&reply)
            }
        }
        resume(context: context)
    }

    /// Runs queued lines while they may run, writes what they answered, and reads again once
    /// the queue is empty and the limits allow it.
    private func resume(context: ChannelHandlerContext) {
        while canProcess(context), let line = queued.popFirst() {
            process(line, context: context)
            // The replies so far go out now, so writability reflects them before the next line.
            if !queued.isEmpty { flushIfNeeded(context: context) }
        }
        flushIfNeeded(context: context)
        if readHeld && canProcess(context) && queued.isEmpty && !draining && !inputClosed {
            readHeld = false
            context.read()
        }
        closeIfFinished(context: context)
    }

    /// Answers an over-long line and reads nothing more from this connection.
    ///
    /// The client may still be writing the rest of its line. Closing at once would make its
    /// write fail (EPIPE) before it reads the answer, so hookd half-closes instead: the client
    /// reads the error and an end of file, what it still sends is dropped, and the connection
    /// closes fully when its input ends, or after two seconds at most.
    private func refuseInput(_ error: RPCError, context: ChannelHandlerContext) {
        inputRefused = true
        partialLine = nil
        queued.removeAll()
        flushIfNeeded(context: context)
        let channel = context.channel
        channel.writeAndFlush(Self.errorLine(error, allocator: channel.allocator)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    /// One error about the whole connection (id null), as a line.
    static func errorLine(_ error: RPCError, allocator: ByteBufferAllocator) -> ByteBuffer {
        var reply = allocator.buffer(capacity: 256)
        reply.writeJSON { RPCResponse(id: .null, error: error).encode(into: &$0) }
        reply.writeInteger(UInt8(ascii: "\n"))
        return reply
    }

    /// Writes one error about the whole connection (id null), then closes it.
    static func sendFinalError(_ error: RPCError, on channel: Channel) {
        channel.writeAndFlush(errorLine(error, allocator: channel.allocator)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard let output = pendingOutput else { return }
        pendingOutput = nil
        lastActivity = context.eventLoop.now
        context.writeAndFlush(wrapOutboundOut(output), promise: nil)
    }

    private func closeIfFinished(context: ChannelHandlerContext) {
        guard (inputClosed || draining) && inFlight == 0 else { return }
        while inFlight < maxInFlight, let line = queued.popFirst() {
            process(line, context: context)
        }
        guard inFlight == 0 else { return }
        flushIfNeeded(context: context)
        context.close(promise: nil)
    }
}

/// Answers a connection over a limit with one `overloaded` error, then closes it.
final class ConnectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let error: RPCError

    init(error: RPCError) { self.error = error }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added once the peer's credentials are known, by which time the channel is active.
        if context.channel.isActive { RPCConnectionHandler.sendFinalError(error, on: context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        RPCConnectionHandler.sendFinalError(error, on: context.channel)
    }
}
