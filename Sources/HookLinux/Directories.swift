#if canImport(Glibc)
import Glibc
#endif

/// Creating hookd's directories: one rule for the state, log and socket directories.
public enum Directories {
    /// Creates `directory` and its missing parents with `mode`; existing ones are left as they are.
    /// - Throws: the first `mkdir` that failed for another reason than the directory existing.
    public static func make(_ directory: String, mode: mode_t) throws(FileError) {
        guard !directory.isEmpty else { return }
        var searchFrom = directory.index(after: directory.startIndex)  // a leading "/" is the root
        while let slash = directory[searchFrom...].firstIndex(of: "/") {
            try makeOne(String(directory[..<slash]), mode: mode)
            searchFrom = directory.index(after: slash)
        }
        try makeOne(directory, mode: mode)
    }

    private static func makeOne(_ path: String, mode: mode_t) throws(FileError) {
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw FileError(operation: "mkdir", path: path, code: errno) }
    }
}
