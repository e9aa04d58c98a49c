import Hummingbird
import NIOCore

/// The request context of the sandbox's routes: Hummingbird's core storage plus the
/// connection, which captures need for the peer's address and `close: true`.
public struct SandboxRequestContext: RequestContext {
    /// Hummingbird's own per-request storage (logger, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    /// Made by Hummingbird for each request, from the connection it arrived on.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// The client's address as `host:port`, `unknown` when the transport has none (router tests).
    var peer: String {
        guard let address = channel.remoteAddress else { return "unknown" }
        switch address {
        case .v4, .v6:
            guard let host = address.ipAddress, let port = address.port else { return address.description }
            return address.protocol == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixDomainSocket:
            return "unix"
        }
    }

    /// Up to 16 MiB of request body (a capture's body is stored whole).
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}
