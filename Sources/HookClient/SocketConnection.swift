import HookJSON
import HookRPC

#if canImport(Glibc)
import Glibc
#endif

/// One blocking connection to hookd's socket; owns the descriptor and closes it once.
///
/// Used only under `HookClient`'s lock, so it needs no locking of its own.
final class SocketConnection {
    let path: String
    private let descriptor: Int32
    private var framer = LineFramer(maximumLineLength: 64 << 20)
    /// Bytes received and not yet returned as a line.
    private var pending: [UInt8] = []
    private var knownServerUserID: UInt32?

    init(path: String) throws(HookClientError) {
        self.path = path
        guard path.utf8.count < 108 else { throw .connection(path: path, reason: "socket path is longer than 107 bytes") }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .connection(path: path, reason: Self.lastError()) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path.utf8) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = Self.lastError()
            close(descriptor)
            throw .connection(path: path, reason: reason)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Writes the lines, each followed by a newline, in one go.
    func send(_ lines: [[UInt8]]) throws(HookClientError) {
        var bytes: [UInt8] = []
        for line in lines {
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .connection(path: path, reason: Self.lastError())
            }
            offset += written
        }
    }

    /// Whether the daemon has closed this connection (say, after its idle timeout), checked
    /// without waiting so that a stale connection is replaced before a request is written to it.
    func isClosedByPeer() -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        if poller.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0
    }

    /// Reads the next line, waiting until `deadline`.
    func receiveLine(deadline: ContinuousClock.Instant, timeoutSeconds: Double) throws(HookClientError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            switch pending.withUnsafeBytes({ framer.scan($0) }) {
            case .line(let length):
                let line = Array(pending[..<length])
                pending.removeSubrange(...length)
                return line
            case .overlong(let limit): throw .protocolViolation("reply line longer than \(limit) bytes")
            case .needMoreBytes: break
            }
            let remaining = deadline - .now
            guard remaining > .zero else { throw .timeout(path: path, seconds: timeoutSeconds) }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .connection(path: path, reason: Self.lastError())
            }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress, raw.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .connection(path: path, reason: Self.lastError())
            }
            if count == 0 { throw .connection(path: path, reason: "hookd closed the connection") }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    /// The uid of the process listening on the other end, from the kernel (`SO_PEERCRED`); asked
    /// once per connection, as it cannot change while the connection lasts.
    func serverUserID() throws(HookClientError) -> UInt32 {
        if let knownServerUserID { return knownServerUserID }
        // struct ucred: pid, uid, gid, three 32-bit fields (Glibc's module does not export it).
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw .connection(path: path, reason: "cannot read the server's credentials: \(Self.lastError())")
        }
        knownServerUserID = credentials.1
        return credentials.1
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
