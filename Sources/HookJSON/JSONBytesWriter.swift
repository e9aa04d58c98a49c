/// Writes compact JSON straight into memory someone else owns (the socket's outgoing buffer),
/// with no intermediate array and no per-append bookkeeping of a growable buffer.
///
/// It never writes past its room: once a write does not fit it stops and reports `overflowed`,
/// and the owner of the memory gives it more room and encodes again. Encoding is pure, so doing
/// it twice is safe; with a sensible first guess it happens once.
public struct JSONBytesWriter: JSONOutput {
    @usableFromInline let base: UnsafeMutableRawPointer?
    @usableFromInline let capacity: Int
    @usableFromInline var written = 0
    @usableFromInline var didOverflow = false

    /// Bytes written so far.
    public var count: Int { written }
    /// Whether a write did not fit; the bytes written are then incomplete.
    public var overflowed: Bool { didOverflow }

    /// - Parameter room: the memory to write into, from its start.
    public init(room: UnsafeMutableRawBufferPointer) {
        base = room.baseAddress
        capacity = room.count
    }

    @inlinable
    public mutating func append(_ byte: UInt8) {
        guard written < capacity, let base else {
            didOverflow = true
            return
        }
        base.storeBytes(of: byte, toByteOffset: written, as: UInt8.self)
        written += 1
    }

    @inlinable
    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= capacity - written, let base else {
            didOverflow = true
            return
        }
        if let source = bytes.baseAddress { (base + written).copyMemory(from: source, byteCount: bytes.count) }
        written += bytes.count
    }
}
