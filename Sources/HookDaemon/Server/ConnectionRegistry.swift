import NIOCore
import Synchronization

/// The open connections: enforces the connection limit and lets shutdown reach every one.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: Channel]>([:])
    private let nextID = Atomic<UInt64>(1)

    /// Adds a connection unless `limit` are already open; removes it again when it closes.
    /// - Returns: the connection's id, or nil when the limit is reached.
    func register(_ channel: Channel, limit: Int) -> UInt64? {
        let key = ObjectIdentifier(channel)
        let admitted = channels.withLock { open -> Bool in
            guard open.count < limit else { return false }
            open[key] = channel
            return true
        }
        guard admitted else { return nil }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLock { _ = $0.removeValue(forKey: key) }
        }
        return nextID.add(1, ordering: .relaxed).oldValue
    }

    var count: Int { channels.withLock { $0.count } }

    var all: [Channel] { channels.withLock { Array($0.values) } }
}
