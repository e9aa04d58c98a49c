@testable import HookDaemon
import NIOCore
import NIOEmbedded
import Testing

/// Framing on an EmbeddedChannel: no socket, exact control over what arrives when.
struct NDJSONFrameDecoderTests {
    func channel(limit: Int) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NDJSONFrameDecoder(maximumLineLength: limit)))
        return channel
    }

    func lines(_ channel: EmbeddedChannel) throws -> [String] {
        var result: [String] = []
        while let frame = try channel.readInbound(as: NDJSONFrame.self) {
            switch frame {
            case .line(let buffer): result.append(String(buffer: buffer))
            case .overlong(let limit): result.append("<overlong \(limit)>")
            }
        }
        return result
    }

    @Test func splitsLinesThatArriveTogetherAndInPieces() throws {
        let channel = try channel(limit: 100)
        try channel.writeInbound(ByteBuffer(string: "one\ntw"))
        try channel.writeInbound(ByteBuffer(string: "o\n\nthree"))
        #expect(try lines(channel) == ["one", "two", ""])
        try channel.writeInbound(ByteBuffer(string: "\n"))
        #expect(try lines(channel) == ["three"])
    }

    @Test func aLineOfExactlyTheLimitPassesAndOneMoreByteDoesNot() throws {
        let channel = try channel(limit: 5)
        try channel.writeInbound(ByteBuffer(string: "12345\n"))
        #expect(try lines(channel) == ["12345"])
        try channel.writeInbound(ByteBuffer(string: "123456\n"))
        #expect(try lines(channel) == ["<overlong 5>"])
    }

    @Test func anOverlongLineIsReportedBeforeItsNewlineArrivesAndLaterInputIsDropped() throws {
        let channel = try channel(limit: 8)
        try channel.writeInbound(ByteBuffer(string: "0123456789"))
        #expect(try lines(channel) == ["<overlong 8>"])
        try channel.writeInbound(ByteBuffer(string: "more\nok\n"))
        #expect(try lines(channel) == [])
    }
}
