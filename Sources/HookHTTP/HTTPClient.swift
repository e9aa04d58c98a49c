import Foundation

/// An asynchronous HTTP(S) client on libcurl's multi interface, for webhook deliveries and API calls.
///
/// Why not `CurlEasyTransfer`: that one blocks a thread per request. Here one dedicated thread owns
/// a curl multi handle and drives every transfer of the client concurrently, so hundreds of
/// awaiting tasks cost no threads, and nothing blocking ever runs on Swift's cooperative pool.
///
/// TLS peer and host verification are always on. Errors never contain a URL's userinfo, query or
/// fragment. Create one client and share it: connections are reused between requests.
/// Call `shutdown()` when done; dropping the last reference also stops the thread (without waiting).
public final class HTTPClient: Sendable {
    /// The settings this client was created with.
    public let configuration: Configuration
    private let mailbox = CurlMultiMailbox()

    /// Starts the client's transfer thread.
    /// - Parameter configuration: Timeouts, trust store, user agent and concurrency limit.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        let mailbox = self.mailbox
        let thread = Thread {
            CurlMultiLoop(mailbox: mailbox, configuration: configuration).run()
        }
        thread.name = "hookd-http"
        thread.start()
    }

    deinit {
        mailbox.requestStop()
    }

    /// Performs `request` and returns the final response, whatever its status code.
    ///
    /// Non-2xx statuses are responses, not errors: retry and alerting policies need the status and
    /// headers such as `Retry-After`. Cancelling the awaiting task abandons the transfer at once.
    /// - Parameter request: Method, URL, headers, body, timeout and redirect policy.
    /// - Returns: Status, body, final headers and timing.
    /// - Throws: `HTTPError` for transport failures (DNS, connect, TLS, timeout: curl's code and
    ///   text), `HTTPError.cancelled` when the task is cancelled, `HTTPError.shutDown` after `shutdown()`.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let ticket = HTTPTransferTicket(request: request)
        let mailbox = self.mailbox
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard ticket.attach(continuation) else { return }
                if let refusal = mailbox.submit(ticket) { ticket.finish(.failure(refusal)) }
            }
        } onCancel: {
            if ticket.finish(.failure(.cancelled)) { mailbox.cancel(ticket) }
        }
        return try result.get()
    }

    /// Stops the transfer thread: pending and later requests fail with `HTTPError.shutDown`.
    ///
    /// Returns once the thread has freed every curl handle. Calling it again is harmless.
    public func shutdown() async {
        mailbox.requestStop()
        await mailbox.waitUntilClosed()
    }
}
