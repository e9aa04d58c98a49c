import Foundation
import HookSandbox
import Testing

/// The `hooksandbox` binary: loopback only unless told otherwise; scripts from a file.
@Suite(.serialized) struct CommandLineTests {
    let directory = NSTemporaryDirectory() + "hooksandbox-cli-\(UUID().uuidString.prefix(8))"

    @Test func aNonLoopbackListenAddressIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try SandboxProcess(arguments: ["--listen", "0.0.0.0:8787", "--data", directory + "/data"], directory: directory)
        let status = process.waitForExit(timeoutSeconds: 20)
        #expect(status != nil && status != 0, "hooksandbox must refuse 0.0.0.0")
        #expect(process.output.contains("loopback only"), "got: \(process.output)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/data"), "nothing is created before the refusal")
    }

    @Test func aBadScriptsFileIsRefusedNamingTheEndpointAndField() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scripts = directory + "/scripts.json"
        try #"{"stripe": {"statuses": [503, 1000]}}"#.write(toFile: scripts, atomically: true, encoding: .utf8)
        let port = try SandboxProcess.freePort()
        let process = try SandboxProcess(
            arguments: ["--listen", "127.0.0.1:\(port)", "--data", directory + "/data", "--scripts", scripts], directory: directory)
        let status = process.waitForExit(timeoutSeconds: 20)
        #expect(status != nil && status != 0)
        #expect(process.output.contains("stripe") && process.output.contains("statuses[1]"), "got: \(process.output)")
    }

    @Test(arguments: ["127.0.0.1:1", "127.8.9.10:80", "[::1]:8787", "localhost:8787"])
    func loopbackAddressesAreLoopback(text: String) throws {
        #expect(try ListenAddress(text).isLoopback)
    }

    @Test(arguments: ["0.0.0.0:8787", "192.0.2.1:80", "[::]:8787", "example.test:80", "128.0.0.1:80"])
    func otherAddressesAreNot(text: String) throws {
        #expect(try !ListenAddress(text).isLoopback)
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:99999", ":8787", "[::1]8787"])
    func malformedAddressesAreRefused(text: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(text) }
    }

    @Test func theBinaryServesScriptsFromAFileAndStopsOnSIGTERM() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scripts = directory + "/scripts.yaml"
        try "orders:\n  statuses: [503, 200]\n  retry_after: 7\n".write(toFile: scripts, atomically: true, encoding: .utf8)
        let port = try SandboxProcess.freePort()
        let process = try SandboxProcess(
            arguments: ["--listen", "127.0.0.1:\(port)", "--data", directory + "/data", "--scripts", scripts, "--max-captures", "5"],
            directory: directory)
        defer { process.stop() }
        try process.waitUntilListening(port: port, timeoutSeconds: 30)
        let socket = try LoopbackSocket(port: port)
        try socket.write("POST /in/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
        let reply = String(decoding: socket.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("{\"ok\":false}") }.bytes, as: UTF8.self)
        #expect(reply.hasPrefix("HTTP/1.1 503"), "got: \(reply)")
        #expect(reply.lowercased().contains("retry-after: 7"))
        #expect(FileManager.default.fileExists(atPath: directory + "/data/captures.db"))
        let pid = process.process.processIdentifier
        kill(pid, SIGTERM)
        #expect(process.waitForExit(timeoutSeconds: 15) != nil, "hooksandbox must stop on SIGTERM")
    }

    @Test func anOpenEventStreamAndAHungRequestDoNotHoldUpShutdown() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try SandboxProcess.freePort()
        let process = try SandboxProcess(arguments: ["--listen", "127.0.0.1:\(port)", "--data", directory + "/data"], directory: directory)
        defer { process.stop() }
        try process.waitUntilListening(port: port, timeoutSeconds: 30)
        let script = #"{"hang": true}"#
        let setter = try LoopbackSocket(port: port)
        try setter.write("POST /api/endpoints/stuck/script HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(script.utf8.count)\r\n\r\n\(script)")
        let scripted = setter.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("\"hang\":true") }
        #expect(String(decoding: scripted.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))

        let events = try LoopbackSocket(port: port)
        try events.write("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(!events.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains(": connected") }.bytes.isEmpty)
        let hung = try LoopbackSocket(port: port)
        try hung.write("POST /in/stuck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        let waited = hung.read(timeoutSeconds: 0.5)
        #expect(waited.bytes.isEmpty && !waited.closed, "the request is held")

        let started = Date()
        kill(process.process.processIdentifier, SIGTERM)
        let status = process.waitForExit(timeoutSeconds: 15)
        #expect(status != nil, "hooksandbox must stop on SIGTERM with a stream open and a request held")
        #expect(Date().timeIntervalSince(started) < 10, "stopped after \(Date().timeIntervalSince(started)) s")
    }
}
