import Synchronization

/// One `HTTPClient.send` call as the transfer thread sees it: the request and the continuation that
/// must be resumed exactly once.
///
/// Three parties may try to finish a ticket: the transfer thread (done, failed, shut down), the
/// cancellation handler, and `send` itself when the client is already shut down. The lock makes
/// the first `finish` win and every later one a no-op, so the continuation is resumed once.
final class HTTPTransferTicket: Sendable {
    typealias Continuation = CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>

    let request: HTTPRequest
    private let state = Mutex<State>(.created)

    private enum State {
        /// `send` has not handed over its continuation yet.
        case created
        case waiting(Continuation)
        /// Finished before the continuation arrived (cancelled early); `attach` resumes at once.
        case finishedEarly(Result<HTTPResponse, HTTPError>)
        case finished
    }

    init(request: HTTPRequest) {
        self.request = request
    }

    /// Whether the ticket has been finished; the transfer thread skips (or drops) finished tickets.
    var isFinished: Bool {
        state.withLock {
            switch $0 {
            case .created, .waiting: false
            case .finishedEarly, .finished: true
            }
        }
    }

    /// Hands over the continuation of the awaiting `send`; resumes it right away if the ticket was
    /// finished before (for example cancelled before it was submitted).
    /// - Returns: false when the ticket was already finished and must not be submitted.
    func attach(_ continuation: Continuation) -> Bool {
        let early: Result<HTTPResponse, HTTPError>? = state.withLock { state in
            switch state {
            case .created:
                state = .waiting(continuation)
                return nil
            case .finishedEarly(let result):
                state = .finished
                return result
            case .waiting, .finished:
                preconditionFailure("HTTPTransferTicket.attach called twice")  // invariant: send attaches once
            }
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    /// Completes the ticket with `result` unless it is already finished.
    /// - Returns: Whether this call finished it.
    @discardableResult
    func finish(_ result: Result<HTTPResponse, HTTPError>) -> Bool {
        let continuation: Continuation?? = state.withLock { state in
            switch state {
            case .created:
                state = .finishedEarly(result)
                return .some(nil)
            case .waiting(let continuation):
                state = .finished
                return .some(continuation)
            case .finishedEarly, .finished:
                return nil
            }
        }
        guard let continuation else { return false }
        continuation?.resume(returning: result)
        return true
    }
}
