@testable import HookDaemon
import Testing

/// Every transition of the listener's life, without a socket.
struct ServerStateMachineTests {
    @Test func theOrdinaryLifeGoesIdleStartingServingDrainingStopped() throws {
        var machine = ServerStateMachine()
        #expect(machine.state == .idle)
        try machine.start()
        #expect(machine.state == .starting)
        #expect(try machine.bound() == .serve)
        #expect(machine.state == .serving)
        #expect(machine.shutdown() == .closeListenerAndDrain)
        #expect(machine.state == .draining)
        try machine.drained()
        #expect(machine.state == .stopped)
    }

    @Test func aSecondShutdownDoesNothing() throws {
        var machine = ServerStateMachine()
        try machine.start()
        _ = try machine.bound()
        #expect(machine.shutdown() == .closeListenerAndDrain)
        #expect(machine.shutdown() == .none)
        try machine.drained()
        #expect(machine.shutdown() == .none)
        #expect(machine.state == .stopped)
    }

    @Test func aShutdownWhileBindingClosesTheListenerOnceBound() throws {
        var machine = ServerStateMachine()
        try machine.start()
        #expect(machine.shutdown() == .closeWhenBound)
        #expect(machine.state == .draining)
        #expect(try machine.bound() == .closeListener)
        #expect(machine.state == .stopped)
    }

    @Test func aFailedBindStops() throws {
        var machine = ServerStateMachine()
        try machine.start()
        try machine.bindFailed()
        #expect(machine.state == .stopped)
        #expect(machine.shutdown() == .none)
    }

    @Test func aShutdownBeforeStartStopsAndAStartAfterThatIsRefused() {
        var machine = ServerStateMachine()
        #expect(machine.shutdown() == .none)
        #expect(machine.state == .stopped)
        #expect(throws: ServerStateMachine.InvalidTransition(event: "start", state: .stopped)) { try machine.start() }
    }

    @Test func eventsOutOfOrderAreRefusedAndChangeNothing() throws {
        var machine = ServerStateMachine()
        #expect(throws: ServerStateMachine.InvalidTransition.self) { _ = try machine.bound() }
        #expect(throws: ServerStateMachine.InvalidTransition.self) { try machine.drained() }
        #expect(throws: ServerStateMachine.InvalidTransition.self) { try machine.bindFailed() }
        #expect(machine.state == .idle)
        try machine.start()
        #expect(throws: ServerStateMachine.InvalidTransition.self) { try machine.start() }
        _ = try machine.bound()
        #expect(throws: ServerStateMachine.InvalidTransition.self) { try machine.drained() }
        #expect(machine.state == .serving)
    }
}
