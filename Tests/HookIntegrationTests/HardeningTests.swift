import Foundation
import HookTestSupport
import Testing

/// Issue 10's black-box regressions: a real hookd, a real socket, hostile inputs.
struct HardeningTests {
    /// hookd holds every credential: it makes itself non-dumpable before anything else, so a
    /// crash writes no core file and no same-uid process may read its memory. The kernel shows
    /// it: a non-dumpable process's /proc/PID files belong to root whatever the process's own uid.
    @Test func hookdIsNotDumpable() throws {
        let nobody: uid_t = 65534
        let runsAsRoot = geteuid() == 0
        let directory = try TestEnvironment.makeTemporaryDirectory()
        var launcher: [String] = []
        if runsAsRoot {
            // As root the owner would be root either way: run hookd as nobody to see the difference.
            #expect(chown(directory, nobody, gid_t(nobody)) == 0)
            launcher = ["/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--"]
        }
        let daemon = try DaemonProcess(launcher: launcher, directory: directory)
        var status = stat()
        try #require(stat("/proc/\(daemon.child.processID)/status", &status) == 0)
        let effectiveUserID = try #require(try String(contentsOfFile: "/proc/\(daemon.child.processID)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst(2).first)
        #expect(effectiveUserID == (runsAsRoot ? "\(nobody)" : "\(geteuid())"), "hookd runs as someone other than root")
        #expect(status.st_uid == 0, "/proc/PID/status of a non-dumpable process belongs to root")
    }
}
