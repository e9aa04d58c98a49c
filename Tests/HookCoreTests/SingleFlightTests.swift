import HookCore
import HookTestSupport
import Synchronization
import Testing

/// Counts how often a piece of work ran.
final class RunCounter: Sendable {
    private let runs = Mutex(0)

    var count: Int { runs.withLock { $0 } }

    /// Counts one run; returns its number (1 for the first).
    func increment() -> Int { runs.withLock { $0 += 1; return $0 } }
}

@Suite("SingleFlight")
struct SingleFlightTests {
    @Test("concurrent callers of one key run the work once and all get its value")
    func concurrentCallersShareOneRun() async {
        let flights = SingleFlight<String, Int>()
        let counter = RunCounter()
        let gate = Gate()
        let arrived = RunCounter()
        let values = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = arrived.increment()
                    return await flights.run("key") {
                        await gate.wait()
                        return counter.increment() * 100
                    }
                }
            }
            // Keep the work waiting until every caller has asked for it.
            while arrived.count < 50 { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(50))
            gate.open()
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counter.count == 1)
        #expect(values == Array(repeating: 100, count: 50))
    }

    @Test("different keys run their work separately")
    func differentKeysRunSeparately() async {
        let flights = SingleFlight<String, String>()
        let counter = RunCounter()
        let gate = Gate()
        async let first = flights.run("a") {
            _ = counter.increment()
            await gate.wait()
            return "a"
        }
        async let second = flights.run("b") {
            _ = counter.increment()
            await gate.wait()
            return "b"
        }
        // Both runs are under way at once (bounded, so a shared run fails instead of hanging).
        let deadline = ContinuousClock.now + .seconds(5)
        while counter.count < 2 && ContinuousClock.now < deadline { await Task.yield() }
        gate.open()
        #expect(await [first, second] == ["a", "b"])
        #expect(counter.count == 2)
    }

    @Test("after forget, a new caller starts its own flight while the old one's callers keep theirs")
    func forgetDetachesTheRunningFlight() async {
        let flights = SingleFlight<String, String>()
        let gate = Gate()
        let started = RunCounter()
        async let old = flights.run("key") {
            _ = started.increment()
            await gate.wait()
            return "old"
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while started.count < 1 && ContinuousClock.now < deadline { await Task.yield() }
        flights.forget { $0 == "key" }
        #expect(await flights.run("key") { "new" } == "new", "not joined to the detached flight")
        gate.open()
        #expect(await old == "old")
        #expect(await flights.run("key") { "again" } == "again", "the detached flight's end left the key free")
    }

    @Test("after the work completes, a new call runs it again")
    func completedWorkRunsAgain() async {
        let flights = SingleFlight<String, Int>()
        let counter = RunCounter()
        let first = await flights.run("key") { counter.increment() }
        let second = await flights.run("key") { counter.increment() }
        #expect(first == 1)
        #expect(second == 2)
    }
}
