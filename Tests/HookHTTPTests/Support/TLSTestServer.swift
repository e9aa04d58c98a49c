import Foundation

/// `openssl s_server -www` on 127.0.0.1 with a fresh self-signed certificate for 127.0.0.1.
///
/// `-www` answers every request with `HTTP/1.0 200 ok` and a status page. `caFile` is the
/// certificate itself, which is all a client needs to trust it. The child is stopped by pid in
/// `stop()` and `deinit`; the temporary directory is removed with it.
final class TLSTestServer: @unchecked Sendable {
    // Immutable after init except `process`, which `stop()` only reads; Process is thread-safe for that.
    let port: UInt16
    let caFile: String
    private let directory: URL
    private let process: Process

    static let openssl = "/usr/bin/openssl"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        caFile = certificate
        var started: (Process, UInt16)?
        do {
            try ChildProcess.run(Self.openssl, [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", key, "-out", certificate,
            ])
            // The free port is found by binding and closing, so another process could take it in
            // between; a second attempt covers that rare race.
            for _ in 0..<2 where started == nil {
                started = try Self.startServer(certificate: certificate, key: key)
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        guard let (process, port) = started else {
            try? FileManager.default.removeItem(at: directory)
            throw ChildProcess.Failure(description: "openssl s_server did not start listening")
        }
        self.process = process
        self.port = port
    }

    deinit { stop() }

    /// Stops the server (by pid) and removes its certificate files.
    func stop() {
        ChildProcess.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts s_server on a free port and waits up to 10 s until it accepts connections.
    private static func startServer(certificate: String, key: String) throws -> (Process, UInt16)? {
        let probe = try SocketHelpers.loopbackListener()
        let port = try SocketHelpers.localPort(of: probe)
        close(probe)
        let process = try ChildProcess.start(openssl, [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-www", "-quiet",
        ])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process.isRunning {
            if SocketHelpers.isAccepting(port: port) { return (process, port) }
            usleep(20_000)
        }
        ChildProcess.stop(process)
        return nil
    }
}
