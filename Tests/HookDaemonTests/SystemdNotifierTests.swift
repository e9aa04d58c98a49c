@testable import HookDaemon
import Foundation
import Testing

struct SystemdNotifierTests {
    @Test func withoutNotifySocketNothingIsSentAndNoWatchdogIsDue() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(notifier.watchdogIntervalMicroseconds == nil)
        notifier.ready(status: "ignored")
    }

    @Test func theWatchdogIntervalIsHalfOfWatchdogUsecForThisProcessOnly() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"], processID: 7).watchdogIntervalMicroseconds == 15_000_000)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], processID: 7).watchdogIntervalMicroseconds == 15_000_000)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "8"], processID: 7).watchdogIntervalMicroseconds == nil)
    }

    @Test func readySendsReadyAndStatusAsOneDatagram() throws {
        let path = "/tmp/hookd-notify-\(UUID().uuidString.prefix(8)).sock"
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        SystemdNotifier(environment: ["NOTIFY_SOCKET": path]).ready(status: "serving on /x")
        var poller = pollfd(fd: receiver, events: Int16(POLLIN), revents: 0)
        try #require(poll(&poller, 1, 5000) == 1)
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, 0) }
        #expect(String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == "READY=1\nSTATUS=serving on /x")
    }
}
