@testable import HookDaemon
import HookCore
import HookJSON
import HookRPC
import HookTestSupport
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Counts the reads that reach the socket end of the pipeline: what back-pressure holds back.
final class ReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = Any
    let reads = Atomic(0)

    func read(context: ChannelHandlerContext) {
        reads.add(1, ordering: .relaxed)
        context.read()
    }
}

/// The connection handler on an in-memory channel: framing, ordering, back-pressure, the idle
/// timer, over-long lines and half-close, with virtual time and no socket.
struct RPCConnectionHandlerTests {
    let gate = Gate()
    let readCounter = ReadCounter()

    var dispatcher: RPCDispatcher {
        var table = MethodTable()
        table.register("test.now") { params, _ in .value(params["v"] ?? .null) }
        table.register("test.gated") { [gate] params, _ in
            .later {
                await gate.wait()
                return params["v"] ?? .null
            }
        }
        return RPCDispatcher(methods: table)
    }

    func channel(maxInFlight: Int = 8, lineLimit: Int = 1024, idleTimeout: TimeAmount? = nil,
                 state: DaemonState? = nil, peerUserID: UInt32 = 0) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        let dispatcher = dispatcher
        let state = state ?? DaemonState(configuration: DaemonConfiguration(),
                                         loader: ConfigurationLoader(environment: [:], daemonUserID: 0), daemonUserID: 0)
        let counter = readCounter
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(counter)
            try channel.pipeline.syncOperations.addHandler(RPCConnectionHandler(
                dispatcher: dispatcher, state: state,
                callContext: CallContext(peer: Peer(processID: 1, userID: peerUserID, groupID: peerUserID), connectionID: 1),
                maxLineLength: lineLimit, maxInFlight: maxInFlight, idleTimeout: idleTimeout))
        }
        // Active, as an accepted connection is: closing it is then visible.
        try await channel.connect(to: SocketAddress(unixDomainSocketPath: "/hookd-test"))
        return channel
    }

    static func call(_ method: String, _ value: Int, id: Int? = nil) -> String {
        #"{"jsonrpc":"2.0","method":"\#(method)","params":{"v":\#(value)}\#(id.map { #","id":\#($0)"# } ?? "")}"# + "\n"
    }

    /// The ids of every reply written so far, in order, with each write's line count.
    func replies(_ channel: NIOAsyncTestingChannel) async throws -> (ids: [Int64], writes: [Int]) {
        var ids: [Int64] = []
        var writes: [Int] = []
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            let lines = String(buffer: buffer).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "", "every write ends with a newline")
            writes.append(lines.count - 1)
            for line in lines.dropLast() {
                let reply = try JSONValue.parse(String(line))
                ids.append(reply["id"]?.integerValue ?? -1)
            }
        }
        return (ids, writes)
    }

    /// Waits (bounded) until `count` more replies have been written.
    func waitForReplies(_ channel: NIOAsyncTestingChannel, count: Int) async throws -> [Int64] {
        var ids: [Int64] = []
        for _ in 0..<200 where ids.count < count {
            ids += try await replies(channel).ids
            if ids.count < count { try await Task.sleep(for: .milliseconds(10)) }
        }
        return ids
    }

    @Test func linesSplitAcrossWritesAreFramedAndAnsweredInOrder() async throws {
        let channel = try await channel()
        let text = Self.call("test.now", 1, id: 1) + Self.call("test.now", 2, id: 2) + Self.call("test.now", 3, id: 3)
        let bytes = Array(text.utf8)
        try await channel.writeInbound(ByteBuffer(bytes: bytes[..<25]))
        try await channel.writeInbound(ByteBuffer(bytes: bytes[25..<70]))
        try await channel.writeInbound(ByteBuffer(bytes: bytes[70...]))
        #expect(try await replies(channel).ids == [1, 2, 3])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func pipelinedImmediateCallsLeaveInOneWrite() async throws {
        let channel = try await channel()
        let burst = (1...16).map { Self.call("test.now", $0, id: $0) }.joined()
        try await channel.writeInbound(ByteBuffer(string: burst))
        channel.pipeline.fireChannelReadComplete()
        let (ids, writes) = try await replies(channel)
        #expect(ids == Array(1...16))
        #expect(writes == [16], "one read burst, one write")
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aDeferredCallDoesNotHoldBackLaterImmediateOnes() async throws {
        let channel = try await channel()
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.gated", 1, id: 1) + Self.call("test.now", 2, id: 2)))
        channel.pipeline.fireChannelReadComplete()
        #expect(try await replies(channel).ids == [2])
        gate.open()
        #expect(try await waitForReplies(channel, count: 1) == [1])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func pastMaxInFlightLinesWaitAndReadsAreHeldUntilRepliesGoOut() async throws {
        let channel = try await channel(maxInFlight: 2)
        let lines = (1...3).map { Self.call("test.gated", $0, id: $0) }.joined()
        try await channel.writeInbound(ByteBuffer(string: lines))
        let readsBefore = readCounter.reads.load(ordering: .relaxed)
        channel.read()
        try await channel.testingEventLoop.executeInContext {}
        #expect(readCounter.reads.load(ordering: .relaxed) == readsBefore, "two in flight: no more reading")
        #expect(try await replies(channel).ids.isEmpty)
        gate.open()
        #expect(try await waitForReplies(channel, count: 3).sorted() == [1, 2, 3], "the queued third line runs once room frees")
        #expect(readCounter.reads.load(ordering: .relaxed) > readsBefore, "reading resumes")
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func whileTheClientDoesNotTakeItsRepliesLinesWaitAndReadingStops() async throws {
        let channel = try await channel()
        channel.isWritable = false
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.now", 1, id: 1) + Self.call("test.now", 2, id: 2)))
        let readsBefore = readCounter.reads.load(ordering: .relaxed)
        channel.read()
        try await channel.testingEventLoop.executeInContext {}
        #expect(try await replies(channel).ids.isEmpty, "nothing runs while replies would only pile up")
        #expect(readCounter.reads.load(ordering: .relaxed) == readsBefore, "and nothing more is read")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try await waitForReplies(channel, count: 2) == [1, 2], "the queued lines run, in order, once the client reads")
        #expect(readCounter.reads.load(ordering: .relaxed) > readsBefore, "reading resumes")
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func eachDeferredCallOfABatchCountsTowardTheInFlightLimit() async throws {
        let channel = try await channel(maxInFlight: 2)
        let batch = "[" + (1...2).map { Self.call("test.gated", $0, id: $0).dropLast() }.joined(separator: ",") + "]\n"
        try await channel.writeInbound(ByteBuffer(string: batch + Self.call("test.now", 3, id: 3)))
        try await channel.testingEventLoop.executeInContext {}
        #expect(try await replies(channel).ids.isEmpty, "a batch of two deferred calls fills a limit of two")
        gate.open()
        // The batch's reply is one line (an array, id -1 here), then the waiting call's.
        #expect(try await waitForReplies(channel, count: 2) == [-1, 3])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func blankLinesDoNotKeepAnIdleConnectionOpen() async throws {
        let channel = try await channel(idleTimeout: .seconds(5))
        for _ in 0..<6 {
            await channel.testingEventLoop.advanceTime(by: .seconds(1))
            if channel.isActive { try await channel.writeInbound(ByteBuffer(string: "\n \n")) }
        }
        try await channel.closeFuture.get()
    }

    @Test func anIdleConnectionClosesAndABusyOneDoesNot() async throws {
        let idle = try await channel(idleTimeout: .seconds(5))
        await idle.testingEventLoop.advanceTime(by: .seconds(4))
        #expect(idle.isActive)
        await idle.testingEventLoop.advanceTime(by: .seconds(2))
        try await idle.closeFuture.get()

        let busy = try await channel(idleTimeout: .seconds(5))
        try await busy.writeInbound(ByteBuffer(string: Self.call("test.gated", 1, id: 1)))
        await busy.testingEventLoop.advanceTime(by: .seconds(60))
        #expect(busy.isActive, "a call in flight keeps the connection")
        gate.open()
        #expect(try await waitForReplies(busy, count: 1) == [1])
        await busy.testingEventLoop.advanceTime(by: .seconds(6))
        try await busy.closeFuture.get()
    }

    @Test func aBlankLineIsNoReplyAndAnOverlongLineGetsTooLargeThenClose() async throws {
        let channel = try await channel(lineLimit: 64)
        try await channel.writeInbound(ByteBuffer(string: "\n" + Self.call("test.now", 1, id: 1)))
        #expect(try await replies(channel).ids == [1])
        try await channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 100)))
        let buffer = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        let reply = try JSONValue.parse(String(String(buffer: buffer).dropLast()))
        #expect(reply["id"] == .null)
        #expect(reply["error"]?["data"]?["kind"] == "too_large")
        #expect(reply["error"]?["data"]?["limit"] == 64)
        // Half-closed first, so a client still sending reads the error; closed fully within 2 s.
        await channel.testingEventLoop.advanceTime(by: .seconds(2))
        try await channel.closeFuture.get()
    }

    @Test func aLineOfExactlyTheLimitPassesAndOneByteMoreDoesNot() async throws {
        let line = Self.call("test.now", 1, id: 1)
        let exact = try await channel(lineLimit: line.utf8.count - 1)
        try await exact.writeInbound(ByteBuffer(string: line))
        #expect(try await replies(exact).ids == [1])
        let short = try await channel(lineLimit: line.utf8.count - 2)
        try await short.writeInbound(ByteBuffer(string: line))
        let buffer = try #require(try await short.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: buffer).contains("too_large"))
        short.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        try await short.closeFuture.get()
    }

    @Test func anOverlongLineIsRefusedBeforeItsNewlineArrivesAndNothingAfterItIsRead() async throws {
        let channel = try await channel(lineLimit: 64)
        try await channel.writeInbound(ByteBuffer(string: String(repeating: "[", count: 40)))
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil, "still within the limit")
        try await channel.writeInbound(ByteBuffer(string: String(repeating: "[", count: 40)))
        let buffer = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: buffer).contains("too_large"))
        _ = try? await channel.writeInbound(ByteBuffer(string: "\n" + Self.call("test.now", 1, id: 1)))
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil, "nothing after the over-long line is answered")
    }

    @Test func aLastLineWithoutItsNewlineIsNotAnsweredAtHalfClose() async throws {
        let channel = try await channel()
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.now", 1, id: 1) + #"{"jsonrpc":"2.0","method":"test.now","id":2}"#))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try await waitForReplies(channel, count: 1) == [1])
        try await channel.closeFuture.get()
        #expect(try await replies(channel).ids.isEmpty)
    }

    @Test func aReloadedACLAppliesToConnectionsAlreadyOpen() async throws {
        let path = "/tmp/hookd-acl-\(getpid())-\(Int.random(in: 0..<1_000_000)).yaml"
        defer { unlink(path) }
        try writeFile(path, "hookd:\n  acl: []\n")
        let loader = ConfigurationLoader(environment: [:], daemonUserID: 990)
        let state = DaemonState(configuration: try loader.load(path: path), loader: loader, daemonUserID: 990)
        let channel = try await channel(state: state, peerUserID: 4242)
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.now", 1, id: 1)))
        let denied = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: denied).contains("permission_denied"))
        try writeFile(path, "hookd:\n  acl:\n    - methods: [\"test.*\"]\n      users: [4242]\n")
        #expect(try state.reload().applied == ["hookd.acl"])
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.now", 2, id: 2)))
        let granted = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: granted) == #"{"jsonrpc":"2.0","id":2,"result":2}"# + "\n")
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    private func writeFile(_ path: String, _ text: String) throws {
        let bytes = Array(text.utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(write(descriptor, bytes, bytes.count) == bytes.count)
    }

    @Test func afterHalfCloseEverythingInFlightIsAnsweredThenTheConnectionCloses() async throws {
        let channel = try await channel()
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.gated", 1, id: 1) + Self.call("test.now", 2, id: 2)))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        try await channel.testingEventLoop.executeInContext {}
        #expect(channel.isActive, "a call is still in flight")
        gate.open()
        #expect(try await waitForReplies(channel, count: 2).sorted() == [1, 2])
        try await channel.closeFuture.get()
    }

    @Test func aDrainingConnectionRefusesNewLinesAndFinishesWhatRuns() async throws {
        let channel = try await channel(maxInFlight: 1)
        try await channel.writeInbound(ByteBuffer(string: Self.call("test.gated", 1, id: 1) + Self.call("test.now", 2, id: 2)))
        channel.pipeline.fireUserInboundEventTriggered(ConnectionDrainEvent())
        gate.open()
        var replies: [JSONValue] = []
        for _ in 0..<200 where replies.count < 2 {
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                replies += try String(buffer: buffer).split(separator: "\n").map { try JSONValue.parse(String($0)) }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(replies.first { $0["id"] == 1 }?["result"] == 1)
        #expect(replies.first { $0["id"] == 2 }?["error"]?["data"]?["kind"] == "shutting_down")
        try await channel.closeFuture.get()
    }
}
