import NIOCore
import Synchronization

/// The open connections: enforces the connection limits and lets shutdown reach every one.
final class ConnectionRegistry: Sendable {
    /// Why a connection was not admitted.
    enum Refusal: Error, Equatable {
        case total(limit: Int)
        case perUser(limit: Int)
    }

    private struct Open {
        var channels: [ObjectIdentifier: (channel: Channel, userID: UInt32)] = [:]
        var countByUser: [UInt32: Int] = [:]
    }

    private let open = Mutex(Open())
    private let nextID = Atomic<UInt64>(1)

    /// Adds a connection from `userID` unless `limit` connections, or `perUserLimit` from that
    /// user, are already open; removes it again when it closes.
    /// - Returns: the connection's id, or why it was refused.
    func register(_ channel: Channel, userID: UInt32, limit: Int, perUserLimit: Int) -> Result<UInt64, Refusal> {
        let key = ObjectIdentifier(channel)
        let refusal = open.withLock { open -> Refusal? in
            guard open.channels.count < limit else { return .total(limit: limit) }
            guard open.countByUser[userID, default: 0] < perUserLimit else { return .perUser(limit: perUserLimit) }
            open.channels[key] = (channel, userID)
            open.countByUser[userID, default: 0] += 1
            return nil
        }
        if let refusal { return .failure(refusal) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.open.withLock { open in
                guard let removed = open.channels.removeValue(forKey: key) else { return }
                let remaining = open.countByUser[removed.userID, default: 1] - 1
                open.countByUser[removed.userID] = remaining > 0 ? remaining : nil
            }
        }
        return .success(nextID.add(1, ordering: .relaxed).oldValue)
    }

    var count: Int { open.withLock { $0.channels.count } }

    var all: [Channel] { open.withLock { $0.channels.values.map(\.channel) } }
}
