import HookJSON
import NIOCore

extension ByteBuffer {
    /// Encodes JSON straight into this buffer's writable room: one reservation and one move of
    /// the writer index, however many pieces the value has.
    ///
    /// `encode` must be pure (no side effects): when the first guess of room is too small it
    /// runs again with twice the room.
    /// - Parameter expectedBytes: the first guess of the room the JSON needs.
    @inlinable
    public mutating func writeJSON(expectedBytes: Int = 256, _ encode: (inout JSONBytesWriter) -> Void) {
        var room = Swift.max(expectedBytes, 16)
        while true {
            reserveCapacity(minimumWritableBytes: room)
            let written = withUnsafeMutableWritableBytes { raw -> Int? in
                var writer = JSONBytesWriter(room: raw)
                encode(&writer)
                return writer.overflowed ? nil : writer.count
            }
            if let written {
                moveWriterIndex(forwardBy: written)
                return
            }
            room *= 2
        }
    }

    /// Writes a value's compact JSON.
    @inlinable
    public mutating func writeJSON(_ value: JSONValue) {
        writeJSON { value.encode(into: &$0) }
    }
}
