import HookStore
import Hummingbird
import Logging

/// The sandbox app: its captures, scripts, event streams and optional signature checker, and
/// the Hummingbird router that serves capture endpoints, the JSON API and the inbox page.
///
/// `hooksandbox` builds one from its options; tests build one on a temporary store and drive
/// its router directly (`HummingbirdTesting`) or over loopback.
public final class Sandbox: Sendable {
    /// Captured requests, bounded.
    public let store: CaptureStore
    /// Each endpoint's script and sequence.
    public let scripts: EndpointScripts
    /// New captures for `/api/events`.
    public let events: CaptureEvents
    /// hookd's signature verdicts for endpoints tied to a webhook code; nil: only the sandbox's own
    /// check, for scripts with a secret (`signatureVerdict`).
    let verifier: (any SignatureVerifier)?
    /// Releases hangs and event streams at shutdown.
    let shutdown: SandboxShutdown

    /// The largest request body a capture endpoint accepts (a larger one is answered 413, not captured).
    public static let maximumBodyBytes = 16 * 1024 * 1024

    /// - Parameters:
    ///   - store: where captures go.
    ///   - scripts: the scripts to start with.
    ///   - verifier: asks for signature verdicts (hookd's `inbound.verify`); nil for hookd's none.
    public init(store: CaptureStore, scripts: [(endpoint: String, script: SandboxScript)] = [], verifier: (any SignatureVerifier)? = nil) {
        self.store = store
        self.scripts = EndpointScripts(scripts)
        self.events = CaptureEvents()
        self.verifier = verifier
        self.shutdown = SandboxShutdown(events: events)
    }

    /// The router: `/in/…` captures, `/api/…` the JSON API, `/` and `/captures/{id}` the page.
    public func makeRouter() -> Router<SandboxRequestContext> {
        let router = Router(context: SandboxRequestContext.self)
        router.add(middleware: CaptureMiddleware(sandbox: self))
        addAPIRoutes(to: router)
        addPageRoutes(to: router)
        return router
    }

    /// An application listening on `host:port`, with the shutdown service that releases held
    /// requests; run it with `runService()`.
    public func makeApplication(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "hooksandbox"),
            services: [shutdown],
            logger: logger)
    }

    /// Releases held requests and ends event streams now (an application built by
    /// `makeApplication` does this itself at graceful shutdown).
    public func stop() {
        shutdown.stop()
    }
}
