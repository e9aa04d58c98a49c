/// The listener's life as a state machine: `idle → starting → serving → draining → stopped`.
///
/// Pure: no socket, no clock. `HookServer` asks it what each event means and does what it says,
/// so every transition, including the awkward ones (a shutdown while the socket is still being
/// bound, a bind that fails), is decided in one place and tested without a socket.
struct ServerStateMachine: Sendable {
    enum State: String, Sendable, Equatable {
        case idle, starting, serving, draining, stopped
    }

    /// What a server must do after the listening socket is bound.
    enum BoundAction: Equatable {
        /// Accept connections and report that the daemon serves.
        case serve
        /// A shutdown came while binding: close the new listener at once and stop.
        case closeListener
    }

    /// What a server must do when asked to shut down.
    enum ShutdownAction: Equatable {
        /// Stop accepting, let every connection finish its calls (up to the grace), then stop.
        case closeListenerAndDrain
        /// Still binding: the bind's completion will close the listener.
        case closeWhenBound
        /// Nothing runs (never started, or already draining or stopped).
        case none
    }

    /// An event that the current state does not allow: a programming error in the caller.
    struct InvalidTransition: Error, CustomStringConvertible, Equatable {
        var event: String
        var state: State
        var description: String { "hookd's server cannot \(event) while \(state.rawValue)" }
    }

    private(set) var state: State = .idle

    /// idle → starting: the one start. A server runs once.
    mutating func start() throws(InvalidTransition) {
        guard state == .idle else { throw InvalidTransition(event: "start", state: state) }
        state = .starting
    }

    /// The socket is bound: starting → serving, or (a shutdown came meanwhile) draining → stopped.
    mutating func bound() throws(InvalidTransition) -> BoundAction {
        switch state {
        case .starting:
            state = .serving
            return .serve
        case .draining:
            state = .stopped
            return .closeListener
        case .idle, .serving, .stopped:
            throw InvalidTransition(event: "report a bound socket", state: state)
        }
    }

    /// The socket could not be bound: starting (or draining) → stopped.
    mutating func bindFailed() throws(InvalidTransition) {
        guard state == .starting || state == .draining else { throw InvalidTransition(event: "fail to bind", state: state) }
        state = .stopped
    }

    /// Shutdown was asked for. Safe to call in any state and more than once.
    mutating func shutdown() -> ShutdownAction {
        switch state {
        case .idle:
            state = .stopped
            return .none
        case .starting:
            state = .draining
            return .closeWhenBound
        case .serving:
            state = .draining
            return .closeListenerAndDrain
        case .draining, .stopped:
            return .none
        }
    }

    /// Every connection has closed (or the grace ran out): draining → stopped.
    mutating func drained() throws(InvalidTransition) {
        guard state == .draining else { throw InvalidTransition(event: "finish draining", state: state) }
        state = .stopped
    }
}
