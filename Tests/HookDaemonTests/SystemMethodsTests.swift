@testable import HookDaemon
import HookCore
import HookJSON
import HookRPC
import NIOCore
import Foundation
import Logging
import Testing

struct SystemMethodsTests {
    func reloader(_ state: DaemonState) -> ConfigurationReloader {
        ConfigurationReloader(
            state: state, reporter: LifecycleReporter(notifier: SystemdNotifier(environment: [:]), address: .unixSocket(path: "/unused"),
                                                      logger: Logger(label: "test")),
            reopenLogs: {}, logger: Logger(label: "test"))
    }

    func table() -> MethodTable {
        let state = DaemonState(configuration: DaemonConfiguration(),
                                loader: ConfigurationLoader(environment: [:], daemonUserID: 0), daemonUserID: 0)
        var table = MethodTable()
        SystemMethods.register(into: &table, state: state, reloader: reloader(state))
        return table
    }

    @Test func theMethodTableAndTheOpenRPCDocumentListTheSameMethods() async throws {
        let fixture = try await MethodCatalogueFixture()
        let served = fixture.table.names
        await fixture.shutdown()
        let document = try JSONValue.parse(OpenRPCDocument.text)
        let documented = try #require(document["methods"]?.arrayValue).compactMap { $0["name"]?.stringValue }.sorted()
        #expect(documented == served)
        #expect(served == MethodName.all.sorted())
    }

    @Test func everyDocumentedParamIsOneTheHandlerReads() throws {
        // system.echo's params as documented, exercised: value required, delay_ms bounded.
        let context = CallContext(peer: Peer(processID: 1, userID: 0, groupID: 0), connectionID: 1)
        let echo = try #require(table().handler(for: MethodName.systemEcho))
        var output = ByteBufferAllocator().buffer(capacity: 64)
        #expect(throws: RPCError.self) { _ = try echo([:], context, &output) }
        #expect(throws: RPCError.self) { _ = try echo(["value": 1, "delay_ms": 60_001], context, &output) }
        guard case .written = try echo(["value": "x"], context, &output) else {
            Issue.record("an undelayed echo must answer at once")
            return
        }
        #expect(String(buffer: output) == #"{"value":"x"}"#)
        guard case .later = try echo(["value": "x", "delay_ms": 5], context, &output) else {
            Issue.record("a delayed echo must be deferred")
            return
        }
    }
}
