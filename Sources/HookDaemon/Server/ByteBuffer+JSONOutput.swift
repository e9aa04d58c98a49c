import HookJSON
import NIOCore

/// Replies are encoded straight into the buffer the socket writes from.
extension ByteBuffer: JSONOutput {
    @inlinable
    public mutating func append(_ byte: UInt8) {
        writeInteger(byte)
    }

    @inlinable
    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        writeBytes(bytes)
    }
}
