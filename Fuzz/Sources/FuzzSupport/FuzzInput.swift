/// One fuzz input, read front to back: a few leading bytes as the harness's choices, lines as
/// fields, the rest as the subject.
///
/// Harnesses take their structure from the input itself, so that libFuzzer's mutations of a seed
/// change one field at a time and the seeds in `Fuzz/Corpus` stay readable text.
public struct FuzzInput {
    /// The input's bytes, copied out of libFuzzer's buffer.
    public let bytes: [UInt8]
    private var position = 0

    /// Copies the input libFuzzer hands to `LLVMFuzzerTestOneInput`.
    /// - Parameters:
    ///   - data: the input's first byte; libFuzzer keeps it valid for the call.
    ///   - count: how many bytes the input has (possibly 0).
    public init(_ data: UnsafePointer<UInt8>, count: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// The next byte, or nil at the end.
    public mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// The bytes up to the next newline (which is consumed, not returned), or up to the end; nil
    /// when nothing is left.
    public mutating func line() -> ArraySlice<UInt8>? {
        guard position < bytes.count else { return nil }
        let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        defer { position = min(end + 1, bytes.count) }
        return bytes[position..<end]
    }

    /// `line()` as text (invalid UTF-8 repaired), or nil when nothing is left.
    public mutating func textLine() -> String? {
        line().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Everything not taken yet; afterwards the input is at its end.
    public mutating func rest() -> ArraySlice<UInt8> {
        defer { position = bytes.count }
        return bytes[position...]
    }
}
