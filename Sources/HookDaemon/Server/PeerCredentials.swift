import HookCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's `struct ucred` (pid_t, uid_t, gid_t), which Glibc's module does not export
/// without _GNU_SOURCE. Same layout: three 32-bit fields.
private struct KernelPeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum PeerCredentials {
    /// SO_PEERCRED on Linux.
    private static let peerCredentialsOption = NIOBSDSocket.Option(rawValue: 17)

    /// Reads who is connected, from the kernel.
    /// - Parameter withGroups: also look up the user's supplementary groups (only when the ACL
    ///   has group rules; it asks NSS, so it is done once per connection, not per call).
    static func read(from channel: Channel, withGroups: Bool) -> EventLoopFuture<Peer> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return provider.unsafeGetSocketOption(level: .socket, name: peerCredentialsOption)
            .map { (credentials: KernelPeerCredentials) in
                Peer(processID: credentials.pid, userID: credentials.uid, groupID: credentials.gid,
                     supplementaryGroupIDs: withGroups ? supplementaryGroups(of: credentials.uid, primary: credentials.gid) : [])
            }
    }

    /// The groups the user belongs to besides its primary group.
    static func supplementaryGroups(of userID: UInt32, primary: UInt32) -> [UInt32] {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(userID, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return []
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &groups, &count) != -1 else { return [] }
        }
        return Array(groups.prefix(Int(count))).filter { $0 != primary }
    }
}
