/// Somewhere compact JSON is written: a byte array, or (in the daemon) the socket's outgoing
/// buffer, so a reply is encoded once, straight where it leaves from.
public protocol JSONOutput {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer)
}

extension JSONOutput {
    /// Appends fixed text (JSON punctuation, keys written by hand).
    @inlinable
    public mutating func append(_ text: StaticString) {
        append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends bytes that are already compact JSON (a cached credential's encoding).
    @inlinable
    public mutating func append(encoded bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(contentsOf: $0) }
    }
}

extension Array: JSONOutput where Element == UInt8 {
    @inlinable
    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }
}
