import HookJSON
import HookRPC
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The `rpc.discover` and `system.*` methods: introspection, health and control of the daemon.
enum SystemMethods {
    /// The longest delay `system.echo` accepts, so no caller can park a request for long.
    static let maximumEchoDelayMilliseconds: Int64 = 60_000

    static func register(into table: inout MethodTable, state: DaemonState, reloader: ConfigurationReloader) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(OpenRPCDocument.text)
        } catch {
            // The embedded document is checked by HookRPCTests; failing here means a broken build.
            preconditionFailure("the embedded OpenRPC document does not parse: \(error)")
        }
        table.register(MethodName.discover) { _, _ in .value(document) }

        table.registerDirect(MethodName.systemEcho) { params, _, output throws(RPCError) in
            let value: JSONValue
            let delay: Int64?
            do throws(JSONAccessError) {
                value = try params.required("value")
                delay = try params.optionalInteger("delay_ms")
            } catch {
                throw .invalidParams(error)
            }
            guard let delay, delay > 0 else {
                output.writeJSON { writer in
                    writer.append(#"{"value":"#)
                    value.encode(into: &writer)
                    writer.append("}")
                }
                return .written
            }
            guard delay <= maximumEchoDelayMilliseconds else {
                throw .invalidParams(JSONAccessError(key: "delay_ms", problem: .invalid(reason: "must be from 0 to \(maximumEchoDelayMilliseconds)")))
            }
            // A deliberately slow echo lets clients test timeouts, pipelining and back-pressure.
            return .later {
                try? await Task.sleep(for: .milliseconds(delay))
                return ["value": value]
            }
        }

        table.register(MethodName.systemVersion) { _, _ in
            .value(["name": "hookd", "version": .string(hookdVersion), "protocol_version": .integer(Int64(protocolVersion))])
        }

        let processID = getpid()
        table.register(MethodName.systemHealth) { _, _ in
            let uptime = ContinuousClock.now - state.startedAt
            let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
            return .value([
                "status": .string(state.health.overall.rawValue),
                "version": .string(hookdVersion),
                "uptime_s": .double((seconds * 1000).rounded() / 1000),
                "pid": .integer(Int64(processID)),
                "connections": .integer(Int64(state.connectionCount)),
                "components": state.health.json,
            ])
        }

        // The same path as SIGHUP; reading the file happens off the event loop.
        table.register(MethodName.systemReload) { _, _ in
            .later { () throws(RPCError) -> JSONValue in
                do throws(ConfigurationError) {
                    return try await reloader.reload(trigger: MethodName.systemReload).json
                } catch {
                    throw RPCError(.invalidConfig, "configuration not reloaded: \(error.description)")
                }
            }
        }
    }
}
