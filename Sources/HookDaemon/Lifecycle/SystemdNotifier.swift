#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the service is doing (`sd_notify`), when it runs under systemd.
///
/// A datagram to `$NOTIFY_SOCKET` ("@name" is an abstract socket). Without that variable every
/// call does nothing, so the daemon calls it unconditionally.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Half of `$WATCHDOG_USEC` in microseconds, when systemd expects keep-alives (and they are for us).
    public let watchdogIntervalMicroseconds: UInt64?

    public init(environment: [String: String], processID: Int32 = getpid()) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let watchdogForUs = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if watchdogForUs, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogIntervalMicroseconds = usec / 2
        } else {
            watchdogIntervalMicroseconds = nil
        }
    }

    public var isActive: Bool { socketPath != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func reloading() { send("RELOADING=1") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    /// Sends one notification; failures are ignored, as sd_notify's callers do.
    public func send(_ message: String) {
        guard let socketPath else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let length = min(pathBytes.count, MemoryLayout.size(ofValue: address.sun_path) - 1)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: pathBytes.prefix(length)) }
        let addressLength = socklen_t(MemoryLayout<sa_family_t>.size + length)
        var payload = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, &payload, payload.count, Int32(MSG_NOSIGNAL), socketAddress, addressLength)
            }
        }
    }
}
