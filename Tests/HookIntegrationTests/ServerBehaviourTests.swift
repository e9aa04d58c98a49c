import Foundation
import HookTestSupport
import HookClient
import HookJSON
import HookRPC
import Testing

/// The daemon as a process: socket file, limits, pipelining, shutdown and reload.
struct ServerBehaviourTests {
    @Test func repliesComeBackAsTheyFinishNotInRequestOrder() throws {
        let daemon = try DaemonProcess()
        let connection = try RawConnection(path: daemon.socketPath)
        try connection.send("""
            {"jsonrpc":"2.0","method":"system.echo","params":{"value":"slow","delay_ms":400},"id":1}
            {"jsonrpc":"2.0","method":"system.echo","params":{"value":"fast"},"id":2}

            """)
        let first = try #require(try connection.readLine())
        let second = try #require(try connection.readLine())
        #expect(try JSONValue.parse(first)["id"] == 2)
        #expect(try JSONValue.parse(second)["id"] == 1)
    }

    @Test func theInFlightLimitHoldsBackFurtherRequestsButAnswersThemAll() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_in_flight_per_connection: 2\n")
        let connection = try RawConnection(path: daemon.socketPath)
        let started = Date()
        var lines = ""
        for id in 1...6 { lines += #"{"jsonrpc":"2.0","method":"system.echo","params":{"value":\#(id),"delay_ms":200},"id":\#(id)}"# + "\n" }
        try connection.send(lines)
        var ids: Set<Int64> = []
        for _ in 1...6 {
            let line = try #require(try connection.readLine())
            ids.insert(try #require(try JSONValue.parse(line)["id"]?.integerValue))
        }
        #expect(ids == Set(1...6))
        // Two at a time, 200 ms each: three rounds. Without the limit all six finish in one round.
        #expect(Date().timeIntervalSince(started) >= 0.55)
    }

    @Test func anOverlongLineGetsTooLargeThenTheConnectionClosesAndOthersCarryOn() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_line_bytes: 1024\n")
        let bystander = daemon.client()
        #expect(try bystander.echo("before") == "before")
        let connection = try RawConnection(path: daemon.socketPath)
        try connection.send(String(repeating: "x", count: 2000) + "\n")
        let reply = try JSONValue.parse(#require(try connection.readLine()))
        #expect(reply["error"]?["code"] == -32003)
        #expect(reply["error"]?["data"]?["kind"] == "too_large")
        #expect(reply["error"]?["data"]?["limit"] == 1024)
        #expect(reply["error"]?["message"]?.stringValue?.contains("1024") == true)
        #expect(reply["id"] == .null)
        #expect(connection.isClosed(within: 5))
        #expect(try bystander.echo("after") == "after")
    }

    @Test func aLineAtExactlyTheLimitIsAccepted() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_line_bytes: 200\n")
        let prefix = #"{"jsonrpc":"2.0","method":"system.echo","id":1,"params":{"value":""#
        let suffix = #""}}"#
        let line = prefix + String(repeating: "a", count: 200 - prefix.count - suffix.count) + suffix
        #expect(line.utf8.count == 200)
        let connection = try RawConnection(path: daemon.socketPath)
        try connection.send(line + "\n")
        #expect(try JSONValue.parse(#require(try connection.readLine()))["result"] != nil)
    }

    @Test func connectionsOverTheLimitGetOverloadedAndAreClosed() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_connections: 2\n")
        let first = daemon.client()
        let second = daemon.client()
        // The readiness probe's connection may not be released yet on a busy machine: wait until two fit.
        #expect(TestEnvironment.wait(seconds: 5) { (try? first.health()) != nil && (try? second.health()) != nil })
        let third = try RawConnection(path: daemon.socketPath)
        let reply = try JSONValue.parse(#require(try third.readLine()))
        #expect(reply["error"]?["code"] == -32004)
        #expect(reply["error"]?["data"]?["kind"] == "overloaded")
        #expect(third.isClosed(within: 5))
        #expect(try first.echo(1) == 1)
    }

    @Test func anIdleConnectionIsClosed() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    idle_timeout_seconds: 1\n")
        let connection = try RawConnection(path: daemon.socketPath)
        #expect(connection.isClosed(within: 5))
    }

    @Test func theSwiftClientReconnectsAfterTheDaemonClosedAnIdleConnection() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    idle_timeout_seconds: 1\n")
        let client = daemon.client()
        #expect(try client.echo("one") == "one")
        Thread.sleep(forTimeInterval: 1.8)
        #expect(try client.echo("two") == "two")
    }

    @Test func afterTheClientHalfClosesEverythingInFlightIsStillAnswered() throws {
        let daemon = try DaemonProcess()
        let connection = try RawConnection(path: daemon.socketPath)
        try connection.send(#"{"jsonrpc":"2.0","method":"system.echo","params":{"value":"late","delay_ms":300},"id":7}"# + "\n")
        connection.halfClose()
        let reply = try JSONValue.parse(#require(try connection.readLine()))
        #expect(reply["result"]?["value"] == "late")
        #expect(connection.isClosed(within: 5))
    }

    @Test func sigtermFinishesInFlightCallsThenExitsZeroAndRemovesTheSocket() throws {
        let daemon = try DaemonProcess()
        let connection = try RawConnection(path: daemon.socketPath)
        try connection.send(#"{"jsonrpc":"2.0","method":"system.echo","params":{"value":"finishing","delay_ms":500},"id":1}"# + "\n")
        Thread.sleep(forTimeInterval: 0.1)
        daemon.child.signal(SIGTERM)
        let reply = try JSONValue.parse(#require(try connection.readLine()))
        #expect(reply["result"]?["value"] == "finishing")
        #expect(daemon.child.waitForExit(seconds: 10) == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test func theSocketFileIsCreated0660() throws {
        let daemon = try DaemonProcess()
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        #expect((attributes[.type] as? FileAttributeType) == .typeSocket)
    }

    @Test func aStaleSocketFromADeadProcessIsReplaced() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let path = "\(directory)/hookd.sock"
        // Bind and close without unlinking: the file stays, nobody listens.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(descriptor)
        try #require(bound == 0 && FileManager.default.fileExists(atPath: path))
        let daemon = try DaemonProcess(directory: directory)
        #expect(try daemon.client().echo("alive") == "alive")
    }

    @Test func aSecondDaemonOnALiveSocketRefusesToStart() throws {
        let first = try DaemonProcess()
        let second = try ChildProcess(
            executable: TestEnvironment.hookdPath,
            arguments: ["--socket", first.socketPath, "--state-dir", "\(first.directory)/state2"],
            outputPath: "\(first.directory)/second.log")
        let status = second.waitForExit(seconds: 10)
        #expect(status != nil && status != 0)
        #expect(second.output.contains("already listening"))
        #expect(try first.client().echo("still here") == "still here")
    }

    @Test func checkConfigAcceptsAGoodFileAndNamesTheKeyInABadOne() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        try "hookd:\n  limits:\n    max_connections: 10\n".write(toFile: "\(directory)/good.yaml", atomically: true, encoding: .utf8)
        try "hookd:\n  limits:\n    max_conections: 10\n".write(toFile: "\(directory)/bad.yaml", atomically: true, encoding: .utf8)
        let good = try ChildProcess(executable: TestEnvironment.hookdPath, arguments: ["--check-config", "\(directory)/good.yaml"], outputPath: "\(directory)/good.out")
        #expect(good.waitForExit(seconds: 10) == 0)
        let bad = try ChildProcess(executable: TestEnvironment.hookdPath, arguments: ["--check-config", "\(directory)/bad.yaml"], outputPath: "\(directory)/bad.out")
        #expect(bad.waitForExit(seconds: 10) == 78)
        #expect(bad.output.contains("hookd.limits.max_conections"))
        #expect(bad.output.contains("bad.yaml:3"))
    }

    @Test func aBadConfigurationAtStartUpExitsWithTheKeyNamed() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        try "hookd:\n  log_level: loud\n".write(toFile: "\(directory)/hookd.yaml", atomically: true, encoding: .utf8)
        let daemon = try ChildProcess(executable: TestEnvironment.hookdPath,
                                      arguments: ["--config", "\(directory)/hookd.yaml", "--socket", "\(directory)/s.sock"],
                                      outputPath: "\(directory)/out.log")
        #expect(daemon.waitForExit(seconds: 10) == 78)
        #expect(daemon.output.contains("hookd.log_level"))
    }

    @Test func reloadAppliesTheACLAndLimitsAndNamesTheSectionsThatNeedARestart() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_connections: 100\n")
        let client = daemon.client()
        let unchanged = try client.call(MethodName.systemReload)
        #expect(unchanged["applied"] == [])
        #expect(unchanged["restart_required"] == [])
        try """
            hookd:
              acl:
                - methods: ["system.*"]
                  users: [4242]
              limits:
                max_connections: 50
            slack:
              webhook_url: "http://127.0.0.1:9/services/T0/B0/x"
            cache:
              ttl_seconds: 60

            """.write(toFile: "\(daemon.directory)/hookd.yaml", atomically: true, encoding: .utf8)
        let reloaded = try client.call(MethodName.systemReload)
        #expect(reloaded["reloaded"] == true)
        #expect(reloaded["applied"] == ["hookd.acl", "hookd.limits"])
        #expect(reloaded["restart_required"] == ["cache", "slack"])
        // SIGHUP takes the same path: the same sections, and the log says which trigger it was.
        daemon.child.signal(SIGHUP)
        var logged = false
        for _ in 0..<100 where !logged {
            logged = daemon.child.output.contains("trigger=SIGHUP")
            if !logged { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(logged, "hookd's log should show a reload triggered by SIGHUP: \(daemon.child.output.suffix(500))")
        #expect(try client.echo("serving") == "serving")
    }

    @Test func reloadWithABrokenFileKeepsTheOldConfigurationAndSaysWhy() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  limits:\n    max_connections: 100\n")
        let client = daemon.client()
        let reloaded = try client.call(MethodName.systemReload)
        #expect(reloaded["reloaded"] == true)
        try "hookd:\n  limits: [1, 2]\n".write(toFile: "\(daemon.directory)/hookd.yaml", atomically: true, encoding: .utf8)
        let failure = try #require(throws: HookClientError.self) { try client.call(MethodName.systemReload) }
        guard case .reply(let error) = failure else {
            Issue.record("expected an error reply, got \(failure)")
            return
        }
        #expect(error.code == -32010)
        #expect(error.kind == .invalidConfig)
        #expect(error.message.contains("hookd.limits"))
        #expect(try client.echo("serving") == "serving")
    }
}
