/// Splits a byte stream into newline-terminated lines, refusing any line over a limit.
///
/// The wire framing of hookd: one JSON value per `\n`-terminated line. Used by the clients; the
/// daemon does the same on NIO buffers in `NDJSONFrameDecoder`.
public struct LineFramer: Sendable {
    /// What `nextLine()` found.
    public enum Frame: Sendable, Equatable {
        case line([UInt8])
        /// The pending line grew past the limit before a newline arrived.
        case overlong(limit: Int)
    }

    public let maximumLineLength: Int
    private var buffer: [UInt8] = []
    private var scanned = 0

    public init(maximumLineLength: Int = 1 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line (without its newline), `.overlong` when the limit is passed, or
    /// nil when more bytes are needed.
    public mutating func nextLine() -> Frame? {
        if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
            guard newline <= maximumLineLength else { return .overlong(limit: maximumLineLength) }
            let line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            scanned = 0
            return .line(line)
        }
        scanned = buffer.count
        return buffer.count > maximumLineLength ? .overlong(limit: maximumLineLength) : nil
    }

    /// Bytes received but not yet returned as a line.
    public var pendingByteCount: Int { buffer.count }
}
