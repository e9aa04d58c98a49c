import ArgumentParser
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// hookbench: a closed-loop load generator for hookd (NDJSON JSON-RPC) and redis-server (RESP),
/// so both are measured by the same client, on the same machine, in the same run.
@main
struct HookBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookbench",
        abstract: "Round trips per second and latency percentiles over a Unix socket.")

    enum WireProtocol: String, ExpressibleByArgument { case jsonrpc, resp }

    @Option(help: "jsonrpc (hookd) or resp (redis-server).")
    var `protocol`: WireProtocol = .jsonrpc

    @Option(help: "Unix socket to connect to.")
    var socket: String

    @Option(help: "Connections, each with its own pipeline of requests.")
    var connections = 1

    @Option(help: "Requests kept in flight per connection (1 = strictly sequential).")
    var depth = 1

    @Option(help: "Requests in all, spread over the connections.")
    var requests = 100_000

    @Option(help: "The request: a JSON-RPC line (without newline) or a RESP command as words separated by spaces.")
    var request: String?

    @Option(help: "A file of requests (JSON-RPC lines, or RESP commands as words), sent in turn; overrides --request.")
    var requestsFile: String?

    @Option(help: "Event-loop threads of the generator.")
    var threads = 1

    @Flag(help: "Send the requests as notifications (no replies), then one request whose reply stops the clock: throughput only (jsonrpc).")
    var fireAndForget = false

    @Flag(help: "Print one JSON object instead of a line for people.")
    var json = false

    func validate() throws {
        guard connections > 0, depth > 0, requests >= connections, threads > 0 else {
            throw ValidationError("connections, depth and threads must be positive, and requests at least one per connection")
        }
    }

    func run() throws {
        var texts = [request ?? (self.protocol == .jsonrpc ? #"{"jsonrpc":"2.0","method":"system.echo","params":{"value":"hello"},"id":1}"# : "GET hookbench:key")]
        if let requestsFile {
            guard let contents = try? String(contentsOfFile: requestsFile, encoding: .utf8) else { throw ValidationError("cannot read \(requestsFile)") }
            texts = contents.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            guard !texts.isEmpty else { throw ValidationError("\(requestsFile) holds no request") }
        }
        let payloads: [[UInt8]] = texts.map { text in
            switch self.protocol {
            case .jsonrpc:
                return Array(text.utf8) + [10]
            case .resp:
                let words = text.split(separator: " ").map(String.init)
                return Array(("*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()).utf8)
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let perConnection = requests / connections
        if fireAndForget {
            try runFireAndForget(group: group, payloads: payloads, perConnection: perConnection)
            return
        }
        let started = monotonicNanoseconds()
        let runs: [EventLoopFuture<[UInt64]>] = try (0..<connections).map { _ in
            let done = group.next().makePromise(of: [UInt64].self)
            let handler = ClosedLoopHandler(payloads: payloads, framing: self.protocol == .jsonrpc ? .newline : .resp,
                                            total: perConnection, depth: depth, done: done)
            _ = try ClientBootstrap(group: group)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) } }
                .connect(unixDomainSocketPath: socket).wait()
            return done.futureResult
        }
        var latencies: [UInt64] = []
        for run in runs { latencies += try run.wait() }
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        latencies.sort()
        func percentile(_ p: Double) -> Double { Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000 }
        let opsPerSecond = Double(latencies.count) / elapsed
        if json {
            print(#"{"protocol":"\#(self.protocol.rawValue)","connections":\#(connections),"depth":\#(depth),"requests":\#(latencies.count),"seconds":\#(elapsed),"ops_per_second":\#(opsPerSecond),"p50_us":\#(percentile(0.50)),"p99_us":\#(percentile(0.99))}"#)
        } else {
            print("\(self.protocol.rawValue) c=\(connections) d=\(depth): \(Int(opsPerSecond)) ops/s, p50 \(percentile(0.50)) µs, p99 \(percentile(0.99)) µs")
        }
    }
}

extension HookBench {
    /// Notifications on each connection, then one request; elapsed until every reply arrived.
    func runFireAndForget(group: EventLoopGroup, payloads: [[UInt8]], perConnection: Int) throws {
        let sentinel = Array(#"{"jsonrpc":"2.0","method":"system.echo","params":{"value":0},"id":"end"}"#.utf8) + [10]
        let started = monotonicNanoseconds()
        let runs: [EventLoopFuture<[UInt64]>] = try (0..<connections).map { _ in
            let done = group.next().makePromise(of: [UInt64].self)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(perConnection * (payloads[0].count + 1) + sentinel.count)
            for index in 0..<perConnection { bytes += payloads[index % payloads.count] }
            bytes += sentinel
            let handler = ClosedLoopHandler(payloads: [bytes], framing: .newline, total: 1, depth: 1, done: done)
            _ = try ClientBootstrap(group: group)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) } }
                .connect(unixDomainSocketPath: socket).wait()
            return done.futureResult
        }
        for run in runs { _ = try run.wait() }
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        let opsPerSecond = Double(perConnection * connections) / elapsed
        if json {
            print(#"{"protocol":"jsonrpc","connections":\#(connections),"depth":0,"requests":\#(perConnection * connections),"seconds":\#(elapsed),"ops_per_second":\#(opsPerSecond),"p50_us":0,"p99_us":0}"#)
        } else {
            print("notifications c=\(connections): \(Int(opsPerSecond)) ops/s")
        }
    }
}

func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Keeps `depth` requests in flight on one connection until `total` have been answered,
/// recording each round trip (replies arrive in order for the requests this tool sends).
final class ClosedLoopHandler: ChannelInboundHandler, @unchecked Sendable {
    // Confined to the channel's event loop.
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Framing { case newline, resp }

    private let payloads: [[UInt8]]
    private let framing: Framing
    private let total: Int
    private let depth: Int
    private let done: EventLoopPromise<[UInt64]>
    private var sent = 0
    private var sendTimes: CircularBuffer<UInt64> = []
    private var latencies: [UInt64] = []
    private var pending = ByteBuffer()

    init(payloads: [[UInt8]], framing: Framing, total: Int, depth: Int, done: EventLoopPromise<[UInt64]>) {
        self.payloads = payloads
        self.framing = framing
        self.total = total
        self.depth = depth
        self.done = done
        latencies.reserveCapacity(total)
    }

    func channelActive(context: ChannelHandlerContext) {
        for _ in 0..<min(depth, total) { send(context: context) }
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending.writeBuffer(&buffer)
        var replies = 0
        while consumeReply() { replies += 1 }
        if pending.readableBytes == 0 { pending.clear() } else { pending.discardReadBytes() }
        let now = monotonicNanoseconds()
        for _ in 0..<replies {
            if let sentAt = sendTimes.popFirst() { latencies.append(now - sentAt) }
            if sent < total { send(context: context) }
        }
        if replies > 0 { context.flush() }
        if latencies.count >= total {
            done.succeed(latencies)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)  // ignored when already succeeded
    }

    private func send(context: ChannelHandlerContext) {
        sent += 1
        sendTimes.append(monotonicNanoseconds())
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: payloads[(sent - 1) % payloads.count])), promise: nil)
    }

    /// Removes one complete reply from `pending`; false when none is complete yet.
    private func consumeReply() -> Bool {
        let view = pending.readableBytesView
        guard let newline = view.firstIndex(of: 10) else { return false }
        switch framing {
        case .newline:
            pending.moveReaderIndex(to: newline + 1)
            return true
        case .resp:
            guard view.first == UInt8(ascii: "$") else {  // +OK, -ERR, :42 are one line
                pending.moveReaderIndex(to: newline + 1)
                return true
            }
            let header = String(decoding: view[view.index(after: view.startIndex)..<(newline - 1)], as: UTF8.self)
            let length = Int(header) ?? -1
            let end = length < 0 ? newline + 1 : newline + 1 + length + 2
            guard end <= view.endIndex else { return false }
            pending.moveReaderIndex(to: end)
            return true
        }
    }
}
