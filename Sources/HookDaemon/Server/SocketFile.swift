import HookLinux

#if canImport(Glibc)
import Glibc
#endif

/// Prepares and tidies the socket file hookd binds.
enum SocketFile {
    /// The socket path cannot be used.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes the parent directory if needed; removes a stale socket left by a dead process.
    /// - Throws: when another process is listening on `path`, or `path` is not a socket.
    static func prepare(_ path: String) throws(Failure) {
        guard path.utf8.count < 108 else { throw Failure(description: "socket path is longer than 107 bytes: \(path)") }
        try makeDirectories(parentOf: path)
        var status = stat()
        guard lstat(path, &status) == 0 else { return }  // nothing there
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw Failure(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        if isAcceptingConnections(path) {
            throw Failure(description: "another hookd is already listening on \(path); stop it first or choose another --socket")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw Failure(description: "cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Refuses a directory another user could tamper with: it must be a real directory (not a
    /// symbolic link), owned by hookd's user or root, and not writable by group or others. A
    /// fallback such as `/tmp/hookd-<uid>` that someone else created first fails here.
    static func checkOwnDirectory(_ directory: String, daemonUserID: uid_t, purpose: String) throws(Failure) {
        var status = stat()
        guard lstat(directory, &status) == 0 else {
            throw Failure(description: "cannot use \(directory) as the \(purpose) directory: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(description: "refusing \(directory) as the \(purpose) directory: it is not a directory (a symbolic link?)")
        }
        guard status.st_uid == daemonUserID || status.st_uid == 0 else {
            throw Failure(description: "refusing \(directory) as the \(purpose) directory: it belongs to uid \(status.st_uid), not to hookd (uid \(daemonUserID)) or root")
        }
        guard status.st_mode & 0o022 == 0 else {
            let writers = [status.st_mode & 0o020 != 0 ? "its group" : nil, status.st_mode & 0o002 != 0 ? "others" : nil].compactMap { $0 }
            throw Failure(description: "refusing \(directory) as the \(purpose) directory: it is writable by \(writers.joined(separator: " and ")) (mode \(String(status.st_mode & 0o7777, radix: 8))); make it 0700 or 0750")
        }
    }

    /// The directory part of a path ("." when there is none).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Sets the socket file's mode and group after binding.
    static func applyPermissions(_ path: String, mode: UInt32, groupID: UInt32?) throws(Failure) {
        if let groupID, chown(path, uid_t.max, groupID) != 0 {
            throw Failure(description: "cannot give \(path) to group \(groupID): \(String(cString: strerror(errno)))")
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw Failure(description: "cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isAcceptingConnections(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }

    private static func makeDirectories(parentOf path: String) throws(Failure) {
        guard path.contains("/") else { return }
        do throws(FileError) {
            try Directories.make(parent(of: path), mode: 0o755)
        } catch {
            throw Failure(description: "cannot create \(error.path): \(String(cString: strerror(error.code)))")
        }
    }
}
