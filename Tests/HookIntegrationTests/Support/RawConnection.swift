import Foundation
import HookTestSupport

/// A bare Unix-socket connection for tests that must send what no client library would.
///
/// Unchecked Sendable: a flood test hands it to one writer thread and does not touch it meanwhile.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32
    private var pending: [UInt8] = []

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw DaemonFailure(message: "connect \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw DaemonFailure(message: "send: \(String(cString: strerror(errno)))") }
            offset += count
        }
    }

    /// Writes `bytes` while the daemon takes them; stops once it has taken nothing for
    /// `stallSeconds` (back-pressure: it stopped reading) or at the end.
    /// - Returns: how many bytes the daemon took.
    func sendUntilStalled(_ bytes: [UInt8], stallSeconds: Double) -> Int {
        var offset = 0
        while offset < bytes.count {
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(stallSeconds * 1000)) > 0, poller.revents & Int16(POLLOUT) != 0 else { return offset }
            let count = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, min($0.count, 65_536), Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { continue }
            guard count > 0 else { return offset }
            offset += count
        }
        return offset
    }

    func halfClose() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// The next line, or nil at end of stream; fails after `seconds`.
    func readLine(seconds: Double = 10) throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw DaemonFailure(message: "no line within \(seconds) s") }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    /// Whether the daemon closed the connection within `seconds` (lines before EOF are skipped).
    func isClosed(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                guard try readLine(seconds: max(0.05, deadline.timeIntervalSinceNow)) != nil else { return true }
            } catch {
                return false
            }
        }
    }
}
