/// Where one JSON value lies in a text, as byte offsets: the value itself, not yet read.
///
/// The request path keeps `params` as a span until the method that wants them is known, so a
/// line is checked once and turned into values only where a handler asks for them.
public struct JSONSpan: Sendable, Equatable {
    /// Offset of the value's first byte.
    public var start: Int
    /// Offset just past the value's last byte.
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public var count: Int { end - start }

    /// The span's bytes within the text it was taken from.
    public func bytes(in text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: text[start..<end])
    }
}
