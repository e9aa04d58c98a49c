#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where hookd's socket is, resolved the same way by the daemon and by every client.
///
/// Order: explicit path, `$HOOKD_SOCKET`, (daemon: systemd's passed socket, decided elsewhere),
/// `$RUNTIME_DIRECTORY/hookd.sock`, then `/run/hookd/hookd.sock` for root or
/// `$XDG_RUNTIME_DIR/hookd.sock` (or `/tmp/hookd-<uid>/hookd.sock`) for other users. A client
/// whose per-user path does not exist falls back to the system path, so a non-root application
/// reaches the system daemon without configuration.
public enum SocketPath {
    /// The system daemon's socket.
    public static let systemPath = "/run/hookd/hookd.sock"

    /// Resolves the path.
    /// - Parameters:
    ///   - explicit: a path given on the command line or in code; wins when set.
    ///   - environment: the process environment (injectable for tests).
    ///   - userID: the effective uid of the process.
    ///   - forClient: clients apply the fallback to the system path described above.
    ///   - fileExists: injectable existence check, for tests.
    public static func resolve(
        explicit: String? = nil,
        environment: [String: String],
        userID: UInt32,
        forClient: Bool,
        fileExists: (String) -> Bool = { access($0, F_OK) == 0 }
    ) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let path = environment["HOOKD_SOCKET"], !path.isEmpty { return path }
        if let directory = environment["RUNTIME_DIRECTORY"], !directory.isEmpty {
            // systemd may pass several directories separated by colons; the first is ours.
            let first = directory.split(separator: ":", maxSplits: 1).first.map(String.init) ?? directory
            return first + "/hookd.sock"
        }
        if userID == 0 { return systemPath }
        let userPath = if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            runtime + "/hookd.sock"
        } else {
            "/tmp/hookd-\(userID)/hookd.sock"
        }
        if forClient && !fileExists(userPath) && fileExists(systemPath) { return systemPath }
        return userPath
    }

    /// Resolves the path for the current process.
    public static func resolveForCurrentProcess(explicit: String? = nil, forClient: Bool) -> String {
        resolve(explicit: explicit, environment: currentEnvironment(), userID: geteuid(), forClient: forClient)
    }

    /// The process environment as a dictionary.
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let separator = text.firstIndex(of: "=") {
                result[String(text[..<separator])] = String(text[text.index(after: separator)...])
            }
            cursor += 1
        }
        return result
    }
}
