import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The inbox page in a real browser: headless Chromium dumps the DOM it built, with no
/// virtual-time budget (the page's open event stream must not hold the dump up).
@Suite(.serialized) struct BrowserTests {
    /// Debian's `chromium`, when installed.
    static let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(.enabled(if: chromiumPath != nil, "chromium is not installed (apt-get install chromium)"))
    func headlessChromiumSeesTheCapturesOnTheInboxPage() throws {
        let chromium = try #require(Self.chromiumPath)
        let directory = NSTemporaryDirectory() + "hooksandbox-browser-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try SandboxProcess.freePort()
        let sandbox = try SandboxProcess(arguments: ["--listen", "127.0.0.1:\(port)", "--data", directory + "/data"], directory: directory)
        defer { sandbox.stop() }
        try sandbox.waitUntilListening(port: port, timeoutSeconds: 30)
        for path in ["/in/stripe/first-event", "/in/github/second-event"] {
            let socket = try LoopbackSocket(port: port)
            try socket.write("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer tok_fake_browser\r\nContent-Length: 2\r\n\r\n{}")
            _ = socket.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("{\"ok\":true}") }
        }

        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: chromium)
        browser.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            "--user-data-dir=\(directory)/chromium-profile", "--dump-dom", "http://127.0.0.1:\(port)/",
        ]
        let domPath = directory + "/dom.html"
        _ = FileManager.default.createFile(atPath: domPath, contents: nil)
        browser.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: domPath))
        browser.standardError = FileHandle.nullDevice
        try browser.run()
        let deadline = Date().addingTimeInterval(60)
        while browser.isRunning, Date() < deadline { usleep(50_000) }
        let finished = !browser.isRunning
        if !finished {
            kill(browser.processIdentifier, SIGKILL)
            browser.waitUntilExit()
        }
        #expect(finished, "chromium --dump-dom did not finish within 60 s")
        let dom = try String(contentsOfFile: domPath, encoding: .utf8)
        let second = try #require(dom.range(of: "/in/github/second-event"), "the DOM lists the captures: \(dom.prefix(500))")
        let first = try #require(dom.range(of: "/in/stripe/first-event"))
        #expect(second.lowerBound < first.lowerBound, "newest first")
        #expect(dom.contains("class=\"capture\""))
        #expect(!dom.contains("tok_fake_browser"))
    }
}
