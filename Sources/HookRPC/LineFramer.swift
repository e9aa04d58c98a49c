#if canImport(Glibc)
import Glibc
#endif

/// The wire's framing rule, in one place: one JSON value per `\n`-terminated line, no line over
/// `maximumLineLength` bytes. The daemon's NIO decoder and the Swift client both frame with it.
///
/// It owns no buffer: the caller keeps the bytes received and not yet framed, and asks `scan`
/// where the next line ends. The framer remembers how far it has already searched, so bytes that
/// arrive a few at a time are searched once, not again for every new piece.
public struct LineFramer: Sendable {
    /// What `scan` found at the start of the pending bytes.
    public enum Frame: Sendable, Equatable {
        /// A complete line of `length` bytes; its newline follows at offset `length`.
        case line(length: Int)
        /// No newline yet, and the line is still within the limit.
        case needMoreBytes
        /// The pending line is longer than the limit, with or without its newline.
        case overlong(limit: Int)
    }

    public let maximumLineLength: Int
    private var searched = 0

    public init(maximumLineLength: Int = 1 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// Where the next line in `pending` ends. After `.line(length)` the caller consumes
    /// `length + 1` bytes; after `.needMoreBytes` it calls again with the same bytes and more.
    public mutating func scan(_ pending: UnsafeRawBufferPointer) -> Frame {
        if searched < pending.count, let base = pending.baseAddress,
           let found = memchr(base + searched, Int32(UInt8(ascii: "\n")), pending.count - searched) {
            let length = base.distance(to: UnsafeRawPointer(found))
            searched = 0
            return length <= maximumLineLength ? .line(length: length) : .overlong(limit: maximumLineLength)
        }
        searched = pending.count
        return pending.count > maximumLineLength ? .overlong(limit: maximumLineLength) : .needMoreBytes
    }
}
