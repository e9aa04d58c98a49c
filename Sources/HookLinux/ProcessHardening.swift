import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide protections hookd applies first thing in `main`, before it starts a thread:
/// the process holds every webhook credential, so no crash may copy its memory to disk.
public enum ProcessHardening {
    /// Makes the process non-dumpable (no core file, no same-uid ptrace or /proc/PID/mem reader),
    /// sets the core size limit to 0 and ignores SIGPIPE, so a peer that hangs up mid-write
    /// costs that write an error instead of the process.
    /// - Returns: the protections that could not be applied, named, empty when all were.
    @discardableResult
    public static func applyAtStart() -> [String] {
        var failed: [String] = []
        if hookd_set_dumpable(0) != 0 { failed.append("PR_SET_DUMPABLE: \(String(cString: strerror(errno)))") }
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        if setrlimit(Int32(RLIMIT_CORE.rawValue), &noCore) != 0 {
            failed.append("RLIMIT_CORE: \(String(cString: strerror(errno)))")
        }
        signal(SIGPIPE, SIG_IGN)
        return failed
    }
}
