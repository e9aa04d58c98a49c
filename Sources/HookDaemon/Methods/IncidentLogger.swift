import HookRPC
import Logging
import Synchronization

/// Turns an unexpected failure into `internal_error` for the caller and a log line for the
/// operator, tied together by an incident number: the caller learns nothing of the internals.
struct IncidentLogger: Sendable {
    let logger: Logger
    private let counter = Counter()

    init(logger: Logger) {
        self.logger = logger
    }

    func internalError(_ method: String, _ error: some Error) -> RPCError {
        let incident = counter.next()
        logger.error("internal error", metadata: ["method": "\(method)", "incident": "\(incident)", "error": "\(error)"])
        return RPCError(.internalError, "internal error (incident \(incident)); see hookd's log", details: ["incident": .integer(Int64(incident))])
    }

    private final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    }
}
