import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built `hooksandbox` binary run as a child process, stopped by pid.
final class SandboxProcess {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `$HOOKSANDBOX_BIN`, else the `hooksandbox` built beside this test binary.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["HOOKSANDBOX_BIN"], !path.isEmpty { return path }
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("hooksandbox").path
    }

    let process = Process()
    let outputPath: String

    /// Starts the binary with `arguments`; its output goes to a file in `directory`.
    init(arguments: [String], directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        outputPath = directory + "/hooksandbox-\(UUID().uuidString.prefix(4)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit by itself, at most `timeoutSeconds`.
    /// - Returns: its exit status, nil when it was still running (it is then killed).
    func waitForExit(timeoutSeconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            stop()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGTERM by pid, then SIGKILL after 5 s.
    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// A free loopback port (bound to port 0 and released; another process could take it
    /// in between, which the callers' start-up check would show).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a loopback port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until `GET /api/stats` answers on `port`, at most `timeoutSeconds`.
    func waitUntilListening(port: Int, timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            guard process.isRunning else { throw Failure(description: "hooksandbox exited: \(output)") }
            if let socket = try? LoopbackSocket(port: port) {
                try socket.write("GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                let reply = socket.read(timeoutSeconds: 2) { String(decoding: $0, as: UTF8.self).contains("dropped") }
                if String(decoding: reply.bytes, as: UTF8.self).contains("dropped") { return }
            }
            usleep(50_000)
        }
        throw Failure(description: "hooksandbox did not answer on port \(port) within \(timeoutSeconds) s: \(output)")
    }
}
