import HookJSON
import HookRPC

#if canImport(Glibc)
import Glibc
#endif

/// The `rpc.discover` and `system.*` methods: introspection, health and control of the daemon.
enum SystemMethods {
    static func register(into table: inout MethodTable, state: DaemonState, onReload: @escaping @Sendable (Result<DaemonConfiguration, ConfigurationError>) -> Void) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(OpenRPCDocument.text)
        } catch {
            // The embedded document is checked by HookRPCTests; failing here means a broken build.
            preconditionFailure("the embedded OpenRPC document does not parse: \(error)")
        }
        table.register(MethodName.discover, .immediate { _, _ in document })

        table.register(MethodName.systemEcho, .immediate { params, _ throws(RPCError) in
            do throws(JSONAccessError) {
                return ["value": try params.required("value")]
            } catch {
                throw .invalidParams(error)
            }
        })

        table.register(MethodName.systemVersion, .immediate { _, _ in
            ["name": "hookd", "version": .string(hookdVersion), "protocol_version": .integer(Int64(protocolVersion))]
        })

        let processID = getpid()
        table.register(MethodName.systemHealth, .immediate { _, _ in
            let uptime = ContinuousClock.now - state.startedAt
            let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
            return [
                "status": "ok",
                "version": .string(hookdVersion),
                "uptime_s": .double((seconds * 1000).rounded() / 1000),
                "pid": .integer(Int64(processID)),
                "connections": .integer(Int64(state.connectionCount)),
                "components": .object([:]),
            ]
        })

        table.register(MethodName.systemReload, .deferred { _, _ throws(RPCError) in
            do throws(ConfigurationError) {
                let configuration = try state.reload()
                onReload(.success(configuration))
                return ["reloaded": true, "config": configuration.sourcePath.map(JSONValue.string) ?? .null]
            } catch {
                onReload(.failure(error))
                throw RPCError(.invalidConfig, "configuration not reloaded: \(error.description)")
            }
        })
    }
}
