@testable import HookDaemon
import Foundation
import HookCore
import HookJSON
import HookRPC
import Logging
import NIOCore
import Testing

/// The served OpenRPC document against the code: each method's documented parameters must be
/// exactly the keys its handler reads (issue 11: the document can no longer drift).
///
/// Each handler is called once with its required parameters set to a value of the documented
/// schema and its optional ones set to null (read, but not descended into), while
/// `JSONObject.readRecorder` notes every key looked up. Only the part a handler runs at once is
/// exercised, which by the method table's rule is where it checks its params.
struct OpenRPCDriftTests {
    let document: JSONValue

    init() throws { document = try JSONValue.parse(OpenRPCDocument.text) }

    @Test func everyHandlerReadsExactlyItsDocumentedParameters() async throws {
        let fixture = try await MethodCatalogueFixture()
        let context = CallContext(peer: Peer(processID: 1, userID: 0, groupID: 0), connectionID: 1)
        var checked = 0
        for method in try #require(document["methods"]?.arrayValue) {
            let name = try #require(method["name"]?.stringValue)
            guard let handler = fixture.table.handler(for: name) else {
                Issue.record("\(name) is documented but not served")
                continue
            }
            var params = JSONObject()
            var documented: [String] = []
            for parameter in method["params"]?.arrayValue ?? [] {
                let parameterName = try #require(parameter["name"]?.stringValue)
                documented.append(parameterName)
                let schema = parameter["schema"] ?? .bool(true)
                // A URL is optional only for SERVICE webhooks; an HTTP one (the default) needs it.
                let needed = parameter["required"] == .bool(true) || !allowsNull(schema) || parameterName == "url"
                params[parameterName] = needed ? sample(for: parameterName, schema: schema) : .null
            }
            let recorder = JSONObjectReadRecorder()
            var output = ByteBufferAllocator().buffer(capacity: 256)
            let outcome: String = JSONObject.$readRecorder.withValue(recorder) {
                do {
                    _ = try handler(params, context, &output)
                    return "answered"
                } catch {
                    return "refused: \(error)"
                }
            }
            let read = recorder.keys
            #expect(Set(read) == Set(documented),
                    "\(name): reads \(read.sorted()), documents \(documented.sorted()) (called with \(JSONValue.object(params).compactText): \(outcome))")
            checked += 1
        }
        #expect(checked == MethodName.all.count)
        await fixture.shutdown()
    }

    // MARK: - Values from the schema

    private func resolved(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/components/schemas/") else { return schema }
        return resolved(document["components"]?["schemas"]?[String(reference.dropFirst("#/components/schemas/".count))] ?? .bool(true))
    }

    private func allowsNull(_ schema: JSONValue) -> Bool {
        let schema = resolved(schema)
        if let options = schema["oneOf"]?.arrayValue { return options.contains(where: allowsNull) }
        if schema["enum"]?.arrayValue?.contains(.null) == true { return true }
        if schema["type"] == "null" { return true }
        return schema["type"]?.arrayValue?.contains("null") == true
    }

    /// A valid value: the default or first enum value when documented, else one of the type.
    private func sample(for name: String, schema raw: JSONValue) -> JSONValue {
        let schema = resolved(raw)
        if let options = schema["oneOf"]?.arrayValue, let first = options.first(where: { resolved($0)["type"] != "null" }) {
            return sample(for: name, schema: first)
        }
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.arrayValue?.first(where: { $0 != .null }) { return first }
        if let fallback = schema["default"], fallback != .null { return fallback }
        let types = schema["type"]?.arrayValue ?? schema["type"].map { [$0] } ?? [.string("string")]
        switch types.first(where: { $0 != "null" })?.stringValue ?? "string" {
        case "integer": return .integer(Int64(schema["minimum"]?.doubleValue ?? 1))
        case "number": return .double(max(schema["minimum"]?.doubleValue ?? 1, 1))
        case "boolean": return true
        case "object": return .object([:])
        case "array": return .array([])
        default:
            switch name {
            case "url": return "https://example.test/hook"
            case "method": return "POST"
            default: return schema["pattern"] != nil ? "STRIPE" : "x"
            }
        }
    }
}

/// The daemon's whole method table on embedded defaults, in a private directory.
final class MethodCatalogueFixture: Sendable {
    let table: MethodTable
    private let credentials: CredentialSubsystem
    private let alerts: AlertSubsystem
    private let validation: ValidationService
    private let delivery: DeliveryEngine
    private let sandbox: SandboxService
    private let directory: String

    init() async throws {
        directory = "/tmp/hookd-catalogue-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        var configuration = DaemonConfiguration()
        configuration.audit.enabled = false
        let logger = Logger(label: "test")
        let directories = DaemonDirectories(state: directory, logs: directory, runtime: directory)
        let state = DaemonState(configuration: configuration, loader: ConfigurationLoader(environment: [:], daemonUserID: 0), daemonUserID: 0)
        credentials = try CredentialSubsystem(configuration: configuration, directories: directories, environment: [:],
                                              health: state.health, logger: logger)
        alerts = try AlertSubsystem(configuration: configuration, directories: directories, health: state.health, logger: logger)
        validation = ValidationService(registry: credentials.registry, credentials: credentials.service, settings: configuration.validation,
                                       maxResponseBytes: configuration.http.maxResponseBytes, network: configuration.network) { _ in }
        let reloader = ConfigurationReloader(
            state: state, reporter: LifecycleReporter(notifier: SystemdNotifier(environment: [:]), address: .unixSocket(path: "/unused"),
                                                      logger: logger),
            reopenLogs: {}, logger: logger)
        delivery = try DeliveryEngine.make(configuration: configuration, directories: directories, credentials: credentials,
                                           alerts: alerts, logger: logger)
        sandbox = SandboxService(enabled: true, registry: credentials.registry, credentials: credentials.service, maxResponseBytes: 1 << 20)
        let exporter = MetricsExporter.make(metrics: DaemonMetrics(maxCodes: 10), state: state, credentials: credentials, alerts: alerts,
                                            delivery: delivery)
        table = MethodCatalogue.build(state: state, credentials: credentials, alerts: alerts, validation: validation,
                                      delivery: delivery, sandbox: sandbox, metrics: exporter, reloader: reloader, logger: logger)
    }

    func shutdown() async {
        await sandbox.stop()
        await validation.stop()
        await delivery.shutdown()
        await credentials.shutdown()
        await alerts.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
