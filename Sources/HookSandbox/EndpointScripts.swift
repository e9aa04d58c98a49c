import Synchronization

/// Each endpoint's script and how many requests it has answered since the script was set.
///
/// The counter drives the status sequence, so setting a script starts the sequence over.
/// An endpoint with no script answers 200 and is counted all the same.
public final class EndpointScripts: Sendable {
    private struct Entry {
        var script: SandboxScript
        var answered: Int
    }

    private let entries: Mutex<[String: Entry]>

    /// - Parameter initial: scripts to start with (`--scripts FILE`).
    public init(_ initial: [(endpoint: String, script: SandboxScript)] = []) {
        var entries: [String: Entry] = [:]
        for (endpoint, script) in initial { entries[endpoint] = Entry(script: script, answered: 0) }
        self.entries = Mutex(entries)
    }

    /// Sets an endpoint's script and resets its sequence.
    public func set(_ script: SandboxScript, for endpoint: String) {
        entries.withLock { $0[endpoint] = Entry(script: script, answered: 0) }
    }

    /// The endpoint's script, nil when none was set.
    public func script(for endpoint: String) -> SandboxScript? {
        entries.withLock { $0[endpoint]?.script }
    }

    /// Every endpoint that has a script, by name.
    public func all() -> [(endpoint: String, script: SandboxScript)] {
        entries.withLock { entries in entries.map { ($0.key, $0.value.script) } }.sorted { $0.endpoint < $1.endpoint }
    }

    /// Takes the next place in the endpoint's sequence.
    /// - Returns: the script (the default for an endpoint without one) and this request's index.
    func next(for endpoint: String) -> (script: SandboxScript, index: Int) {
        entries.withLock { entries in
            // An endpoint without a script always answers the default: nothing to count.
            guard var entry = entries[endpoint] else { return (SandboxScript(), 0) }
            let index = entry.answered
            entry.answered += 1
            entries[endpoint] = entry
            return (entry.script, index)
        }
    }
}
