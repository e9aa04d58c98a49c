import Foundation
import HookJSON
import HookTestSupport
import Testing

/// Issue 10, item 13: callers cannot make `alert.record` cost unbounded memory, and other
/// connections are served meanwhile.
@Suite(.serialized)
struct AlertingScaleTests {
    /// Calls per batch line: `max_batch`.
    static let batchSize = 1_000
    /// Distinct codes recorded; past `max_codes` (10 000) each is refused.
    static let distinctCodes = 1_000_000
    /// Calls recorded on one code.
    static let callsOnOneCode = 5_000_000
    /// Flooding connections per phase: one per event loop of hookd (one per core), at least two.
    static let floods = min(16, max(2, ProcessInfo.processInfo.activeProcessorCount))

    /// Five million calls on one code, then a million distinct codes, all pipelined in batches,
    /// while another connection keeps calling `system.version`: 10 000 codes are tracked and the
    /// rest refused with `too_many_codes`, memory stays bounded, and `system.version` stays quick.
    @Test func aMillionCodesAndMillionsOfCallsOnOneCostBoundedMemoryAndOtherCallsStayQuick() throws {
        let daemon = try DaemonProcess()
        let processID = daemon.child.processID
        let observer = try VersionObserver(socketPath: daemon.socketPath, processID: processID)
        let idle = observer.warmUp()
        observer.start()
        let started = Date()

        // One code, every call a notification (the shims' hot path): its durations spread over
        // 1 ms to 1 s, so the code's histogram holds hundreds of bins. One flooding connection
        // per event loop, so that the observer's connection shares its loop with one of them.
        let hot = try (0..<Self.floods).map { _ in try ReplyCounter(socketPath: daemon.socketPath) }
        let hotBatch = Array(Self.batch((0..<Self.batchSize).map { index in
            #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"SCALE_HOT","success":true,"duration":\#(Double(index + 1) / 1_000)}}"#
        }).utf8)
        try Self.concurrently(Self.floods) { flood in
            for _ in stride(from: flood, to: Self.callsOnOneCode / Self.batchSize, by: Self.floods) {
                try hot[flood].connection.send(hotBatch)
            }
            // Answered once every call before it on the connection was recorded.
            try hot[flood].connection.send(#"{"jsonrpc":"2.0","method":"system.version","id":"done"}"# + "\n")
        }
        #expect(hot.allSatisfy { $0.waitForLines(1, seconds: 60) }, "each connection's closing reply")
        let hotSeconds = Date().timeIntervalSince(started)
        let afterHot = HostilePeerTests.residentBytes(of: processID)
        let metrics = try daemon.client().call("alert.metrics", params: ["webhook_code": "SCALE_HOT"])
        let counted = metrics["total_calls"]?.integerValue ?? 0
        if hotSeconds < 280 {
            #expect(counted == Int64(Self.callsOnOneCode), "every call counted: \(metrics.compactText)")
        } else {
            // Slower than the 5-minute window (the debug build takes about 50 s): the first calls left it.
            #expect(counted > 0 && counted < Int64(Self.callsOnOneCode), "\(metrics.compactText)")
        }
        #expect(metrics["max_latency"]?.doubleValue == 1.0)
        let p50 = metrics["p50_latency"]?.doubleValue ?? 0
        #expect(abs(p50 - 0.5) <= 0.5 * 0.01, "p50 within 1 % of the exact 0.5 s: \(p50)")
        #expect(hot.allSatisfy { $0.tally.lines == 1 && $0.tally.errors == 0 }, "notifications get no reply, not even an error")

        // A million distinct codes as requests, so that every refusal can be counted.
        let distinctStarted = Date()
        let distinct = try (0..<Self.floods).map { _ in try ReplyCounter(socketPath: daemon.socketPath) }
        let template = Array(Self.batch((0..<Self.batchSize).map { _ in
            #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"C#######","success":true,"duration":0.05},"id":#######}"#
        }).utf8)
        let slots = Self.placeholderOffsets(in: template)
        let batches = Self.distinctCodes / Self.batchSize
        try Self.concurrently(Self.floods) { flood in
            var line = template
            for batch in stride(from: flood, to: batches, by: Self.floods) {
                // Code C<n> with id <n>, n = 1 000 000 + the call's number: seven digits, unique.
                for call in 0..<Self.batchSize {
                    let number = 1_000_000 + batch * Self.batchSize + call
                    Self.writeDigits(number, into: &line, at: slots[2 * call])
                    Self.writeDigits(number, into: &line, at: slots[2 * call + 1])
                }
                try distinct[flood].connection.send(line)
            }
        }
        let expectedLines = (0..<Self.floods).map { flood in stride(from: flood, to: batches, by: Self.floods).underestimatedCount }
        #expect(zip(distinct, expectedLines).allSatisfy { $0.waitForLines($1, seconds: 120) }, "a reply line per batch")
        let distinctSeconds = Date().timeIntervalSince(distinctStarted)
        let afterDistinct = HostilePeerTests.residentBytes(of: processID)
        let tallies = distinct.map(\.tally)
        // SCALE_HOT holds one of the 10 000 places.
        #expect(tallies.map(\.recorded).reduce(0, +) == 9_999)
        #expect(tallies.map(\.tooManyCodes).reduce(0, +) == Self.distinctCodes - 9_999)
        #expect(tallies.map(\.errors) == tallies.map(\.tooManyCodes), "every error is a too_many_codes refusal")
        let refusal = try #require(try daemon.client().exchangeRaw(
            #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"ONE_TOO_MANY","success":true,"duration":0.1},"id":1}"#,
            expectingReply: true).first)
        #expect(refusal["error"]?["code"] == -32004)
        #expect(refusal["error"]?["data"]?["reason"] == "too_many_codes")
        #expect(refusal["error"]?["data"]?["limit"] == 10_000)

        let report = observer.stop()
        for counter in hot + distinct { counter.stop() }
        let elapsed = Date().timeIntervalSince(started)
        let peak = max(report.peakResident, HostilePeerTests.residentBytes(of: processID, field: "VmHWM:"))
        let calls = Double(Self.callsOnOneCode + Self.distinctCodes)
        print("""
            alerting scale: \(Self.callsOnOneCode) calls on one code in \(Int(hotSeconds)) s, \(Self.distinctCodes) codes \
            in \(Int(distinctSeconds)) s, \(Int(calls / elapsed)) calls/s; hookd RSS idle \(idle >> 20) MiB, after the busy \
            code \(afterHot >> 20) MiB, after the codes \(afterDistinct >> 20) MiB, peak \(peak >> 20) MiB; system.version \
            \(report.latencies.count) calls: p50 \(Self.milliseconds(report.percentile(0.50))), p99 \
            \(Self.milliseconds(report.percentile(0.99))), max \(Self.milliseconds(report.percentile(1)))
            """)
        // What the alerting state takes: 10 000 codes of about 600 bytes each and a busy code of
        // tens of KB, a few MiB. The rest is I/O and the allocator: request lines up to 1 MiB,
        // up to 1 MiB of unread replies per connection, per-thread malloc arenas. Measured: 7 to
        // 9 MiB over idle, debug and release alike. Before the histograms this load held about
        // 440 MiB more (every duration of the busy code, 300 buckets per code); a connection
        // handler that kept every line of a steady pipeline (each read ending mid-line) held 500.
        #expect(HostilePeerTests.underSanitizer || peak < idle + (48 << 20), "RSS \(peak >> 20) MiB peak vs \(idle >> 20) MiB idle")
        #expect(report.latencies.count > 100, "system.version was called throughout")
        #expect(report.failures == 0)
        #expect(HostilePeerTests.underSanitizer || report.percentile(0.99) < Self.latencyBound,
                "system.version p99 \(Self.milliseconds(report.percentile(0.99))) (bound \(Self.milliseconds(Self.latencyBound)))")
        #expect(daemon.child.isRunning)
    }

    /// The p99 `system.version` may take while the floods run: the issue's 10 ms against a
    /// release build of hookd (`HOOKD_BIN=…/release/hookd`; measured 4 to 7 ms), 100 ms against
    /// the debug build `make test` runs. There both floods keep both cores busy with calls that
    /// cost about ten times more, and the observer's turn on its event loop comes after
    /// theirs: measured 31 to 44 ms. Both bounds assume each connection reads at most 16 KiB
    /// per turn of its event loop; with NIO's default four reads of up to 64 KiB, a flood held
    /// the loop for 2 400 calls at a time (p99 21 ms release, 140 to 180 ms debug).
    static var latencyBound: Double {
        TestEnvironment.hookdPath.split(separator: "/").contains("release") ? 0.010 : 0.100
    }

    /// Runs `body(0)` … `body(count - 1)` on threads of their own and waits for all of them, for
    /// at most 10 minutes (a blocked thread ends when the daemon is stopped and its send fails).
    /// - Throws: the first error a body threw, or `DaemonFailure` when they did not finish in time.
    static func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let group = DispatchGroup()
        let firstError = FirstError()
        for index in 0..<count {
            group.enter()
            Thread {
                defer { group.leave() }
                do { try body(index) } catch { firstError.keep(error) }
            }.start()
        }
        guard group.wait(timeout: .now() + 600) == .success else {
            throw DaemonFailure(message: "flooding threads still sending after 10 minutes")
        }
        if let error = firstError.error { throw error }
    }

    /// `seconds` as milliseconds with one decimal, for messages.
    static func milliseconds(_ seconds: Double) -> String { "\((seconds * 10_000).rounded() / 10) ms" }

    /// One batch line from its members, newline-terminated.
    static func batch(_ members: [String]) -> String { "[" + members.joined(separator: ",") + "]\n" }

    /// The offsets of every `#######` in `bytes`, in order.
    static func placeholderOffsets(in bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var index = 0
        let hash = UInt8(ascii: "#")
        while index + 7 <= bytes.count {
            if bytes[index] == hash && bytes[index + 6] == hash {
                offsets.append(index)
                index += 7
            } else {
                index += 1
            }
        }
        return offsets
    }

    /// Writes `number`'s seven decimal digits at `offset`.
    static func writeDigits(_ number: Int, into bytes: inout [UInt8], at offset: Int) {
        var rest = number
        for position in stride(from: offset + 6, through: offset, by: -1) {
            bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}

/// The first error of several threads.
private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    func keep(_ error: Error) { lock.withLock { if first == nil { first = error } } }
    var error: Error? { lock.withLock { first } }
}

/// Reads a flood connection's replies on a thread of its own (hookd stops reading a peer that
/// leaves a megabyte of replies unread) and counts what they say, without parsing them.
private final class ReplyCounter: @unchecked Sendable {
    struct Tally {
        var lines = 0
        var recorded = 0
        var tooManyCodes = 0
        var errors = 0
    }

    let connection: RawConnection
    private let lock = NSLock()
    private var counts = Tally()
    private var stopped = false

    /// Connects and starts reading; the thread ends at `stop()` or when hookd closes the connection.
    init(socketPath: String) throws {
        connection = try RawConnection(path: socketPath)
        Thread { [self] in readUntilClosed() }.start()
    }

    /// Ends the reading thread (within 200 ms).
    func stop() {
        lock.withLock { stopped = true }
    }

    var tally: Tally { lock.withLock { counts } }

    /// Waits until `count` reply lines arrived, for at most `seconds`.
    func waitForLines(_ count: Int, seconds: Double) -> Bool {
        TestEnvironment.wait(seconds: seconds) { tally.lines >= count }
    }

    private func readUntilClosed() {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while !lock.withLock({ stopped }) {
            var poller = pollfd(fd: connection.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            var start = 0
            while start < count {
                let newline = chunk.withUnsafeBytes { bytes -> Int? in
                    guard let found = memchr(bytes.baseAddress! + start, 10, count - start) else { return nil }
                    return bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                }
                line.append(contentsOf: chunk[start..<(newline ?? count)])
                guard let newline else { break }
                finish(line)
                line.removeAll(keepingCapacity: true)
                start = newline + 1
            }
        }
    }

    private func finish(_ line: [UInt8]) {
        let recorded = Self.occurrences(of: #""recorded":true"#, in: line)
        let tooManyCodes = Self.occurrences(of: #""reason":"too_many_codes""#, in: line)
        let errors = Self.occurrences(of: #""error":{"#, in: line)
        lock.withLock {
            counts.lines += 1
            counts.recorded += recorded
            counts.tooManyCodes += tooManyCodes
            counts.errors += errors
        }
    }

    /// How often `pattern` occurs in `bytes` (which hold no NUL: replies are JSON text).
    private static func occurrences(of pattern: String, in bytes: [UInt8]) -> Int {
        // strstr, since Glibc's memmem is not visible to Swift; a C search keeps the debug build's
        // reading of a few hundred megabytes of replies from competing with hookd for the CPU.
        let terminated = bytes + [0]
        return terminated.withUnsafeBufferPointer { haystack in
            haystack.baseAddress!.withMemoryRebound(to: CChar.self, capacity: haystack.count) { text in
                var found = 0
                var cursor = strstr(text, pattern)
                while let match = cursor {
                    found += 1
                    cursor = strstr(match + pattern.utf8.count, pattern)
                }
                return found
            }
        }
    }
}

/// Calls `system.version` on a connection of its own, one call at a time, timing each, and
/// samples hookd's resident memory, until stopped.
private final class VersionObserver: @unchecked Sendable {
    struct Report {
        var latencies: [Double]
        var peakResident: Int
        var failures: Int

        /// Nearest rank; 0 without samples.
        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            let rank = Int((fraction * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, rank - 1))]
        }
    }

    private let connection: RawConnection
    private let processID: pid_t
    private let lock = NSLock()
    private var report = Report(latencies: [], peakResident: 0, failures: 0)
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(socketPath: String, processID: pid_t) throws {
        connection = try RawConnection(path: socketPath)
        self.processID = processID
    }

    /// A few calls so that the idle figure includes a served connection; returns the idle RSS.
    func warmUp() -> Int {
        for _ in 0..<20 { _ = call() }
        return HostilePeerTests.residentBytes(of: processID)
    }

    func start() {
        Thread { [self] in
            var lastSample = Date.distantPast
            while !lock.withLock({ stopping }) {
                let latency = call()
                if Date().timeIntervalSince(lastSample) >= 0.05 {
                    let resident = HostilePeerTests.residentBytes(of: processID)
                    lock.withLock { report.peakResident = max(report.peakResident, resident) }
                    lastSample = Date()
                }
                lock.withLock {
                    if let latency { report.latencies.append(latency) } else { report.failures += 1 }
                }
                usleep(2_000)
            }
            finished.signal()
        }.start()
    }

    /// Stops the calls (waiting up to 15 s for the last) and returns what was seen.
    func stop() -> Report {
        lock.withLock { stopping = true }
        _ = finished.wait(timeout: .now() + 15)
        return lock.withLock { report }
    }

    /// One `system.version` round trip in seconds, or nil when it failed or took over 10 s.
    private func call() -> Double? {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try connection.send(#"{"jsonrpc":"2.0","method":"system.version","id":1}"# + "\n")
            guard let line = try connection.readLine(seconds: 10), line.contains(#""result""#) else { return nil }
        } catch {
            return nil
        }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}

private extension HostilePeerTests {
    /// A field of hookd's `/proc/<pid>/status` in bytes (`VmHWM:` is the peak resident set).
    static func residentBytes(of processID: pid_t, field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(processID)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
    }
}
