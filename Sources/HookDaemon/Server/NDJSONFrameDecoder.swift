import HookRPC
import NIOCore

/// One frame of input: a complete line, or the news that a line grew past the limit.
enum NDJSONFrame {
    case line(ByteBuffer)
    case overlong(limit: Int)
}

/// HookRPC's `LineFramer` on NIO buffers: splits the byte stream into lines without copying them.
///
/// Unlike NIO's LineBasedFrameDecoder it bounds the line and reports an over-long one as a frame,
/// so the connection handler can answer with a `too_large` error before closing. After that it
/// drops all further input.
struct NDJSONFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = NDJSONFrame

    private var framer: LineFramer
    private var failed = false

    init(maximumLineLength: Int) {
        framer = LineFramer(maximumLineLength: maximumLineLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        switch buffer.withUnsafeReadableBytes({ framer.scan($0) }) {
        case .needMoreBytes:
            return .needMoreData
        case .overlong(let limit):
            failed = true
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            context.fireChannelRead(wrapInboundOut(.overlong(limit: limit)))
            return .needMoreData
        case .line(let length):
            // readSlice shares storage with the receive buffer: no copy for the line.
            guard let line = buffer.readSlice(length: length) else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last line without its newline is incomplete: JSON-RPC over NDJSON needs the terminator.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
