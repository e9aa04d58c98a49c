import NIOCore

/// One frame of input: a complete line, or the news that a line grew past the limit.
enum NDJSONFrame {
    case line(ByteBuffer)
    case overlong(limit: Int)
}

/// Splits the byte stream into `\n`-terminated lines of at most `maximumLineLength` bytes.
///
/// Unlike NIO's LineBasedFrameDecoder it bounds the line and reports an over-long one as a frame,
/// so the connection handler can answer with a `too_large` error before closing. After that it
/// drops all further input.
struct NDJSONFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = NDJSONFrame

    let maximumLineLength: Int
    private var scannedBytes = 0
    private var failed = false

    init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scannedBytes)
        guard let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scannedBytes = view.count
            if view.count > maximumLineLength { reportOverlong(context: context, buffer: &buffer) }
            return .needMoreData
        }
        let length = newline - view.startIndex
        guard length <= maximumLineLength else {
            reportOverlong(context: context, buffer: &buffer)
            return .needMoreData
        }
        scannedBytes = 0
        // readSlice shares storage with the receive buffer: no copy for the line.
        guard let line = buffer.readSlice(length: length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last line without its newline is incomplete: JSON-RPC over NDJSON needs the terminator.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }

    private mutating func reportOverlong(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        failed = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        context.fireChannelRead(wrapInboundOut(.overlong(limit: maximumLineLength)))
    }
}
