#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation: the listening socket systemd passed us, if any.
public enum SystemdActivation {
    /// The first passed descriptor (3) when `LISTEN_PID` is this process and `LISTEN_FDS` ≥ 1.
    ///
    /// The variables are removed afterwards so that no child process mistakes them for its own.
    public static func takeListeningDescriptor(environment: [String: String], processID: Int32 = getpid()) -> Int32? {
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == processID,
              let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        else { return nil }
        return 3
    }
}
