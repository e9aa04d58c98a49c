#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the store's directory and database file with owner-only permissions, before SQLite
/// ever touches them.
///
/// The registry may hold legacy credentials, so the file must never exist, even for an instant,
/// with group or world access. `open(2)` with `O_CREAT` and mode 0600 gives exactly that: the
/// umask can only remove bits, never add them, and the process-wide umask is left alone (changing
/// it would race with every other thread creating files). SQLite gives the `-wal` and `-shm` files
/// the database file's permissions.
enum StoreFile {
    /// Permissions of a directory the store creates.
    static let directoryMode: mode_t = 0o700
    /// Permissions of a database file the store creates.
    static let fileMode: mode_t = 0o600

    /// Makes sure `path` exists as a file: creates missing parent directories (0700) and the
    /// file itself (0600). An existing file's permissions are left as the operator set them.
    /// - Throws: `StoreError` with code `.fileSystem` naming the path and the system's reason.
    static func prepare(path: String) throws(StoreError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try createDirectories(String(path[..<slash]))
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor < 0 {
            let code = errno
            guard code == EEXIST else { throw failure("create \(path)", code) }
            return
        }
        defer { close(descriptor) }
        // Exactly 0600 even under an unusual umask that removed the owner's bits.
        guard fchmod(descriptor, fileMode) == 0 else { throw failure("set mode 0600 on \(path)", errno) }
    }

    /// Creates each missing directory of `directory`, outermost first, with mode 0700.
    private static func createDirectories(_ directory: String) throws(StoreError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, directoryMode) == 0 {
                guard chmod(prefix, directoryMode) == 0 else { throw failure("set mode 0700 on \(prefix)", errno) }
                continue
            }
            let code = errno
            // EEXIST for a file where a directory should be surfaces as ENOTDIR on the next step.
            guard code == EEXIST else { throw failure("create directory \(prefix)", code) }
        }
    }

    private static func failure(_ operation: String, _ code: Int32) -> StoreError {
        StoreError(code: .fileSystem, operation: operation, message: String(cString: strerror(code)))
    }
}
