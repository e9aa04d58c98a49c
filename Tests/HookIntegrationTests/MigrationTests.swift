import Foundation
import HookClient
import HookJSON
import HookRPC
import HookTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, black box: `migrate.*` against a real hookd and the Infisical test server
/// (Tests/Fixtures/infisical_server.py: creates, updates, deletes, read-only identities, faults).
/// Every credential starts in the registry (`source: database`); values are fake.
@Suite(.serialized)
struct MigrationTests {
    /// A hookd on the Infisical test server, with `count` database-sourced webhooks.
    final class Setup {
        let directory: String
        let infisical: InfisicalServer
        var daemon: DaemonProcess
        let configuration: String

        init(count: Int = 0, extraConfiguration: String = "", identity: (id: String, secret: String)? = nil) throws {
            directory = try TestEnvironment.makeTemporaryDirectory()
            infisical = try InfisicalServer(directory: directory)
            var section = infisical.configuration
            if let identity {
                section = section.replacingOccurrences(of: InfisicalServer.clientID, with: identity.id)
                    .replacingOccurrences(of: InfisicalServer.clientSecret, with: identity.secret)
            }
            configuration = section + extraConfiguration
            daemon = try DaemonProcess(configuration: configuration, directory: directory)
            for index in 0..<count { try register(MigrationTests.code(index), token: MigrationTests.token(index)) }
        }

        func register(_ code: String, token: String) throws {
            _ = try daemon.client().upsertWebhook([
                "code": .string(code), "type": "SERVICE", "auth_type": "bearer", "credential": ["source": "database", "value": .string(token)],
            ])
        }

        /// A migrate.* call; runs may take long.
        func call(_ method: String, _ params: JSONObject = [:]) throws -> JSONValue {
            try daemon.client(timeoutSeconds: 300).call(method, params: params)
        }

        func source(_ code: String) throws -> JSONValue {
            try daemon.client().call("credential.source", params: ["code": .string(code)])
        }

        func token(_ code: String) throws -> String? {
            try daemon.client().call("credential.get", params: ["code": .string(code)])["credential"]?["token"]?.stringValue
        }

        func stats() throws -> JSONValue { try HTTPControl.call("GET", "\(infisical.baseURL)/__test__/stats") }

        /// SIGKILL, then a new hookd on the same state directory and socket.
        func killAndRestart() throws {
            daemon.child.signal(SIGKILL)
            guard daemon.child.waitForExit(seconds: 10) != nil else { throw DaemonFailure(message: "hookd survived SIGKILL") }
            daemon = try DaemonProcess(configuration: configuration, directory: directory)
        }

        func stop() {
            _ = daemon.child.stop()
            _ = infisical.child.stop()
        }
    }

    static func code(_ index: Int) -> String { "MIG_\(index)" }
    static func token(_ index: Int) -> String { "tok_fake_migrate_\(index)_9c2e" }

    static func summary(_ result: JSONValue, _ key: String) -> Int64? { result["summary"]?[key]?.integerValue }

    @Test func twoHundredDatabaseWebhooksPlanRunVerifyAllGreenAndEveryCallerKeepsItsCredential() throws {
        let setup = try Setup(count: 200)
        defer { setup.stop() }
        let plan = try setup.call("migrate.plan")
        #expect(Self.summary(plan, "create") == 200 && Self.summary(plan, "total") == 200, "\(plan["summary"]?.compactText ?? "")")
        let first = plan["webhooks"]?.arrayValue?.first
        #expect(first?["secret_name"] == "WEBHOOK_MIG_0_OUT" && first?["source"] == "database" && first?["environment"] == "test")
        #expect(try setup.stats()["requests"]?["write"] == 0, "a plan writes nothing")
        let before = try setup.call("validate.all")["results"]?.arrayValue?.map { $0["status"] }

        let run = try setup.call("migrate.run", ["concurrency": 8])
        #expect(Self.summary(run, "migrated") == 200 && Self.summary(run, "failed") == 0, "\(run["summary"]?.compactText ?? "")")
        #expect(run["results"]?.arrayValue?.allSatisfy { $0["written"] == true } == true)
        let verify = try setup.call("migrate.verify")
        #expect(Self.summary(verify, "ok") == 200 && Self.summary(verify, "failed") == 0, "\(verify["summary"]?.compactText ?? "")")
        for index in [0, 57, 199] {
            let source = try setup.source(Self.code(index))
            #expect(source["source"] == "infisical" && source["ref"] == .string("WEBHOOK_MIG_\(index)_OUT"), "\(source.compactText)")
            #expect(try setup.token(Self.code(index)) == Self.token(index))
        }
        let after = try setup.call("validate.all")["results"]?.arrayValue?.map { $0["status"] }
        #expect(before == after && before?.count == 200)
        let status = try setup.call("migrate.status")
        #expect(Self.summary(status, "migrated") == 200 && Self.summary(status, "planned") == 0)
        // A second run finds nothing left in the database; naming them says they are done.
        let again = try setup.call("migrate.run", ["codes": ["MIG_3"]])
        #expect(again["results"]?.arrayValue?.first?["outcome"] == "skipped" && Self.summary(again, "migrated") == 0, "\(again.compactText)")
        // The stored values: the token itself (other tools read it as it is).
        #expect(try setup.stats()["committed_by_op"]?["create"] == 200)
    }

    @Test func callersHammeringCredentialGetDuringTheRunGetNoError() throws {
        let setup = try Setup(count: 30)
        defer { setup.stop() }
        try setup.infisical.configure(["delayMs": 75])
        let running = LockedValue(true)
        let failures = LockedValue(0)
        let calls = LockedValue(0)
        let socket = setup.daemon.socketPath
        let callers = (0..<4).map { worker in
            Thread {
                let client = HookClient(socketPath: socket, timeoutSeconds: 10)
                var index = worker
                while running.load() {
                    let code = Self.code(index % 30)
                    let token = try? client.call("credential.get", params: ["code": .string(code)])["credential"]?["token"]?.stringValue
                    if token != Self.token(index % 30) { failures.add(1) }
                    calls.add(1)
                    index += 1
                }
            }
        }
        callers.forEach { $0.start() }
        let run = try setup.call("migrate.run", ["concurrency": 4])
        running.store(false)
        let stopped = TestEnvironment.wait(seconds: 15) { callers.allSatisfy(\.isFinished) }
        #expect(stopped)
        #expect(Self.summary(run, "migrated") == 30, "\(run["summary"]?.compactText ?? "")")
        #expect(failures.load() == 0, "\(failures.load()) of \(calls.load()) credential.get calls failed or answered another token")
        #expect(calls.load() > 100, "the callers ran during the migration: \(calls.load()) calls")
    }

    @Test func aHookdKilledMidRunMigratesEachWebhookExactlyOnceWhenRunAgain() throws {
        let setup = try Setup(count: 40)
        defer { setup.stop() }
        try setup.infisical.configure(["delayMs": 75])
        let socket = setup.daemon.socketPath
        let call = Thread { _ = try? HookClient(socketPath: socket, timeoutSeconds: 60).call("migrate.run", params: ["concurrency": 4]) }
        call.start()
        // Each webhook takes four 75 ms exchanges (target, write, read-back, warm), 4 at a time:
        // the kill comes once a few are done, seconds before the rest would be.
        let started = TestEnvironment.wait(seconds: 30) {
            (try? Self.summary(setup.call("migrate.status"), "migrated") ?? 0).map { $0 >= 4 } ?? false
        }
        #expect(started, "the run migrated 4 webhooks within 30 s")
        try setup.killAndRestart()
        let midway = try setup.call("migrate.status")
        let done = Self.summary(midway, "migrated") ?? 0
        #expect(done > 0 && done < 40, "the kill came mid-run: \(midway["summary"]?.compactText ?? "")")
        // No webhook points at a secret that does not exist: each one switched was read back first.
        let verifyMidway = try setup.call("migrate.verify")
        #expect(Self.summary(verifyMidway, "failed") == 0, "\(verifyMidway.compactText)")
        let run = try setup.call("migrate.run", ["concurrency": 4])
        #expect(Self.summary(run, "failed") == 0 && Self.summary(run, "conflict") == 0, "\(run.compactText)")
        let status = try setup.call("migrate.status")
        #expect(Self.summary(status, "migrated") == 40, "\(status["summary"]?.compactText ?? "")")
        let committed = try setup.stats()["committed_by_secret"]
        for index in 0..<40 {
            #expect(committed?["WEBHOOK_MIG_\(index)_OUT"] == 1, "WEBHOOK_MIG_\(index)_OUT written \(committed?["WEBHOOK_MIG_\(index)_OUT"]?.compactText ?? "0") times")
            #expect(try setup.token(Self.code(index)) == Self.token(index))
        }
        #expect(Self.summary(try setup.call("migrate.verify"), "ok") == 40)
    }

    @Test func aDryRunWritesNothingAndConflictsAreNeverOverwrittenUnlessAsked() throws {
        let setup = try Setup(count: 3)
        defer { setup.stop() }
        // MIG_0's name holds another value, MIG_1's the same value as a JSON object.
        try setup.infisical.setSecret("WEBHOOK_MIG_0_OUT", "tok_fake_someone_else")
        try setup.infisical.setSecret("WEBHOOK_MIG_1_OUT", #"{"token":"\#(Self.token(1))"}"#)
        let plan = try setup.call("migrate.plan")
        let actions = plan["webhooks"]?.arrayValue?.map { $0["action"]?.stringValue ?? "?" }
        #expect(actions == ["conflict", "skip_same", "create"], "\(plan.compactText)")
        try setup.infisical.control("POST", "reset-stats")
        let dry = try setup.call("migrate.run", ["dry_run": true])
        #expect(dry["dry_run"] == true && Self.summary(dry, "migrated") == 2 && Self.summary(dry, "conflict") == 1, "\(dry.compactText)")
        #expect(try setup.stats()["requests"]?["write"] == 0, "a dry run writes nothing")
        #expect(try setup.source("MIG_2")["source"] == "database")

        let run = try setup.call("migrate.run")
        let outcomes = run["results"]?.arrayValue?.map { "\($0["code"]?.stringValue ?? "?") \($0["outcome"]?.stringValue ?? "?") \($0["written"] == true)" }
        #expect(outcomes == ["MIG_0 conflict false", "MIG_1 migrated false", "MIG_2 migrated true"], "\(run.compactText)")
        #expect(try setup.source("MIG_0")["source"] == "database", "a conflict leaves the webhook where it was")
        #expect(try setup.stats()["writes_by_op"]?["update"] == 0, "nothing was overwritten")
        let forced = try setup.call("migrate.run", ["codes": ["MIG_0"], "overwrite": true])
        #expect(forced["results"]?.arrayValue?.first?["outcome"] == "migrated" && forced["results"]?.arrayValue?.first?["written"] == true)
        #expect(try setup.token("MIG_0") == Self.token(0))
        // Rollback with delete_secret deletes only what the migration created.
        let rollback = try setup.call("migrate.rollback", ["delete_secret": true])
        let deleted = rollback["results"]?.arrayValue?.map { "\($0["code"]?.stringValue ?? "?") \($0["secret_deleted"] == true)" }
        #expect(deleted == ["MIG_0 false", "MIG_1 false", "MIG_2 true"], "\(rollback.compactText)")
        #expect(rollback["results"]?.arrayValue?.first?["reason"]?.stringValue?.contains("did not create it") == true)
        for index in 0..<3 {
            #expect(try setup.source(Self.code(index))["source"] == "database")
            #expect(try setup.token(Self.code(index)) == Self.token(index))
        }
        #expect(Self.summary(try setup.call("migrate.status"), "rolled_back") == 3)
    }

    @Test func aReadBackMismatchOrAReadOnlyIdentityStopsTheWebhookOnItsOldSource() throws {
        let setup = try Setup(count: 2)
        defer { setup.stop() }
        try setup.infisical.configure(["readBackValue": ["name": "WEBHOOK_MIG_0_OUT", "value": "tok_fake_tampered"]])
        let run = try setup.call("migrate.run")
        let mismatch = run["results"]?.arrayValue?.first { $0["code"] == "MIG_0" }
        #expect(mismatch?["outcome"] == "failed" && mismatch?["reason"]?.stringValue?.contains("read-back mismatch") == true, "\(run.compactText)")
        #expect(try setup.source("MIG_0")["source"] == "database")
        #expect(try setup.token("MIG_0") == Self.token(0))
        #expect(run["results"]?.arrayValue?.first { $0["code"] == "MIG_1" }?["outcome"] == "migrated")
        let status = try setup.call("migrate.status", ["codes": ["MIG_0"]])
        #expect(status["webhooks"]?.arrayValue?.first?["state"] == "failed")

        // A hookd whose identity may only read (made before hookd first logs in, at the run).
        let reader = try Setup(count: 1, identity: ("hookd-reader", "st.reader-secret-1b2c"))
        defer { reader.stop() }
        try reader.infisical.control("POST", "identities", ["clientId": "hookd-reader", "clientSecret": "st.reader-secret-1b2c", "readOnly": true])
        let refused = try reader.call("migrate.run")
        let row = refused["results"]?.arrayValue?.first
        #expect(row?["outcome"] == "failed" && row?["reason"]?.stringValue?.contains("403") == true, "\(refused.compactText)")
        #expect(row?["reason"]?.stringValue?.contains("not allowed") == true, "the reason says the identity may not write: \(refused.compactText)")
        #expect(try reader.source("MIG_0")["source"] == "database")
    }

    @Test func aWriteWhoseAnswerWasLostCountsAsWrittenWhenTheStoredValueIsOurs() throws {
        let setup = try Setup(count: 1)
        defer { setup.stop() }
        // The create is applied, then answered 500: the client retries and gets "already exist".
        try setup.infisical.configure(["failWrite": ["nth": 1, "status": 500, "afterCommit": true]])
        let run = try setup.call("migrate.run")
        let row = run["results"]?.arrayValue?.first
        #expect(row?["outcome"] == "migrated" && row?["written"] == true, "\(run.compactText)")
        #expect(try setup.stats()["committed_by_secret"]?["WEBHOOK_MIG_0_OUT"] == 1)
        // The migration created it, so rollback may delete it.
        let rollback = try setup.call("migrate.rollback", ["delete_secret": true])
        #expect(rollback["results"]?.arrayValue?.first?["secret_deleted"] == true, "\(rollback.compactText)")
    }

    @Test func everyMigrationLeavesAnAuditLineWithTheCallerAndNoValue() throws {
        let setup = try Setup(count: 2)
        defer { setup.stop() }
        _ = try setup.call("migrate.run")
        _ = try setup.call("migrate.rollback", ["codes": ["MIG_1"]])
        let path = "\(setup.directory)/state/log/audit.log"
        var lines: [JSONValue] = []
        let ready = TestEnvironment.wait(seconds: 5) {
            lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONValue.parse(String($0)) }.filter { ($0["event"]?.stringValue ?? "").hasPrefix("migrate.") }
            return lines.count >= 3
        }
        #expect(ready, "two migrate.run lines and one migrate.rollback line in \(path): \(lines.count)")
        let rollback = lines.first { $0["event"] == "migrate.rollback" }
        #expect(rollback?["code"] == "MIG_1" && rollback?["uid"]?.integerValue == Int64(getuid()), "\(rollback?.compactText ?? "none")")
        #expect(lines.filter { $0["event"] == "migrate.run" && $0["outcome"] == "migrated" }.count == 2)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for index in 0..<2 { #expect(!text.contains(Self.token(index)), "the audit log holds a token") }
        #expect(!setup.daemon.child.output.contains("tok_fake_migrate"), "hookd's log holds a token")
    }

    @Test func withoutInfisicalEveryMigrationMethodSaysWhatToConfigure() throws {
        let daemon = try DaemonProcess()
        defer { _ = daemon.child.stop() }
        for method in ["migrate.plan", "migrate.run", "migrate.verify", "migrate.rollback", "migrate.status"] {
            #expect {
                _ = try daemon.client().call(method)
            } throws: { error in
                guard case .reply(let reply) = error as? HookClientError else { return false }
                return reply.kind == .invalidConfig && reply.message.contains("infisical.client_id")
            }
        }
        #expect(throws: HookClientError.self) { _ = try daemon.client().call("migrate.run", params: ["concurrency": 0]) }
        #expect(throws: HookClientError.self) { _ = try daemon.client().call("migrate.plan", params: ["naming": "SAME_FOR_ALL"]) }
        #expect(throws: HookClientError.self) { _ = try daemon.client().call("migrate.plan", params: ["from": "infisical"]) }
    }
}

/// A counter threads share in a test.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func load() -> Value { lock.withLock { value } }
    func store(_ newValue: Value) { lock.withLock { value = newValue } }
}

extension LockedValue where Value == Int {
    func add(_ amount: Int) { lock.withLock { value += amount } }
}
