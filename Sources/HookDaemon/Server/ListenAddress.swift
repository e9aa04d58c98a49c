/// Where the daemon listens: a socket path it binds, or a socket systemd bound and passed in.
///
/// A struct around a private enum, so new kinds of address can come without breaking callers.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case path(String)
        case inheritedDescriptor(Int32)
    }

    let kind: Kind

    /// Bind a Unix socket at `path` (a stale file from a dead daemon is replaced).
    public static func unixSocket(path: String) -> ListenAddress { ListenAddress(kind: .path(path)) }

    /// Adopt an already listening socket, as systemd passes with socket activation (fd 3).
    public static func inheritedSocket(descriptor: Int32) -> ListenAddress { ListenAddress(kind: .inheritedDescriptor(descriptor)) }

    /// The socket path when hookd binds one itself.
    public var path: String? {
        if case .path(let path) = kind { return path }
        return nil
    }

    public var description: String {
        switch kind {
        case .path(let path): path
        case .inheritedDescriptor(let descriptor): "systemd socket (fd \(descriptor))"
        }
    }
}
