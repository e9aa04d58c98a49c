#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation: which, on which path, and the system's reason (`errno`).
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// A file opened for appending, written with `write(2)` so every failure (ENOSPC, EIO, EDQUOT)
/// comes back as an error instead of trapping the process, as Foundation's `FileHandle.write`
/// does. Owns its descriptor and closes it exactly once.
public final class AppendOnlyFile {
    public let path: String
    private var descriptor: Int32

    /// Opens `path` for appending, creating it with `mode` (and its directory with 0750) if needed.
    public init(path: String, mode: mode_t = 0o640) throws(FileError) {
        self.path = path
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            // A directory that cannot be made shows as open's own failure, with the path.
            try? Directories.make(String(path[..<slash]), mode: 0o750)
        }
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard opened >= 0 else { throw FileError(operation: "open", path: path, code: errno) }
        descriptor = opened
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Creates `path` with `mode`, failing with `EEXIST` when something is already there, so a
    /// new private file (a key) is never one another process prepared.
    public static func createNew(path: String, mode: mode_t = 0o600) throws(FileError) -> AppendOnlyFile {
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard opened >= 0 else { throw FileError(operation: "create", path: path, code: errno) }
        return AppendOnlyFile(path: path, descriptor: opened)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Flushes what was written to the disk (`fsync(2)`).
    public func synchronize() throws(FileError) {
        guard fsync(descriptor) == 0 else { throw FileError(operation: "fsync", path: path, code: errno) }
    }

    /// Appends all of `bytes`, retrying short writes and interruptions.
    /// - Returns: how many bytes were written, and the failure that stopped the rest (nil when all were).
    public func write(_ bytes: UnsafeRawBufferPointer) -> (written: Int, error: FileError?) {
        guard let base = bytes.baseAddress else { return (0, nil) }
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return (offset, FileError(operation: "write", path: path, code: errno))
            }
            if count == 0 { return (offset, FileError(operation: "write", path: path, code: EIO)) }
            offset += count
        }
        return (offset, nil)
    }

}
