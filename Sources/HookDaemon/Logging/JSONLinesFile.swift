import Foundation
import HookLinux
import HookJSON
import NIOCore
import Synchronization

/// An append-only JSON Lines file written off the request path: `append` only buffers; a serial
/// queue of its own writes the buffer out every 100 ms (or sooner when it grows), and `reopen`
/// follows logrotate (SIGHUP).
///
/// The disk can fail (full, quota, I/O error) and the file can vanish: writes go through
/// `write(2)` and every failure is handled. Lines that could not be written wait, in order, up to
/// `maximumUnwrittenBytes`; past that the oldest are dropped and counted. Each change between
/// working and failing is reported through `onStatus` (the daemon shows it on `system.health`),
/// and writing resumes by itself once the disk takes bytes again or the file can be reopened.
public final class JSONLinesFile: @unchecked Sendable {
    // `file`, `unwritten`, `failure` and `reopenDueAt` are only touched under `writeLock`.
    public let path: String
    /// A line the writer thread encodes (without its newline) straight into the outgoing bytes.
    /// It must be pure: when the first guess of room is short it runs again with more.
    public typealias LineWriter = @Sendable (inout JSONBytesWriter) -> Void

    /// How the file is doing, as `onStatus` hears it.
    public enum Status: Sendable, Equatable {
        case writing
        /// Why lines are not reaching the file, how many wait and how many were dropped so far.
        case failing(reason: String, waitingBytes: Int, droppedLines: Int)
    }

    /// A line queued to be formatted on the writer's queue rather than the caller's thread.
    private enum DeferredLine {
        case encoded(LineWriter)
        case rendered(@Sendable () -> JSONValue)
    }

    private let pending = Mutex<(lines: [UInt8], deferred: [DeferredLine])>(([], []))
    private let writeLock = NSLock()
    private var file: AppendOnlyFile?
    /// Bytes (whole lines) a failed write left behind, written before anything newer.
    private var unwritten: [UInt8] = []
    private var failure: String?
    /// When a file that could not be (re)opened is tried again (monotonic seconds).
    private var reopenDueAt = 0.0
    private let writer: DispatchQueue
    private let timer: DispatchSourceTimer
    /// Whether a flush is already queued on `writer`, so a burst of appends queues one.
    private let flushQueued = Atomic(false)
    private static let flushThreshold = 64 * 1024
    /// Lines waiting to be formatted at most; past it new lines are dropped and counted, because
    /// the request path must never wait for the disk.
    public static let maximumQueuedLines = 200_000
    /// Bytes kept for a disk that does not take them; past it the oldest lines are dropped.
    public let maximumUnwrittenBytes: Int
    private let dropped = Atomic<Int>(0)
    private let onStatus: (@Sendable (Status) -> Void)?

    /// Opens (creating, mode 0640) the file and starts the writer.
    /// - Parameters:
    ///   - maximumUnwrittenBytes: how much to hold while the disk refuses writes.
    ///   - onStatus: told when writing starts failing (and again every 10 000 dropped lines) and
    ///     when it works again.
    public init(path: String, maximumUnwrittenBytes: Int = 8 << 20, onStatus: (@Sendable (Status) -> Void)? = nil) throws(FileError) {
        self.path = path
        self.maximumUnwrittenBytes = maximumUnwrittenBytes
        self.onStatus = onStatus
        file = try AppendOnlyFile(path: path)
        writer = DispatchQueue(label: "hookd.log.\(URL(fileURLWithPath: path).lastPathComponent)")
        timer = DispatchSource.makeTimerSource(queue: writer)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    /// Queues one line. Never blocks on disk.
    public func append(_ value: JSONValue) {
        let size = pending.withLock { state -> Int in
            value.encode(into: &state.lines)
            state.lines.append(UInt8(ascii: "\n"))
            return state.lines.count
        }
        if size >= Self.flushThreshold { flushSoon() }
    }

    /// Queues a line to be built by the writer thread: for hot paths, where even formatting
    /// the line (timestamps, encoding) should not happen on the caller's thread.
    public func append(_ render: @escaping @Sendable () -> JSONValue) {
        enqueue(.rendered(render))
    }

    /// As `append(_:)`, for a line that writes its own bytes (the audit log's fixed shape).
    public func appendEncoded(_ write: @escaping LineWriter) {
        enqueue(.encoded(write))
    }

    /// Lines dropped so far (queue full, or the disk refused them for too long).
    public var droppedLines: Int { dropped.load(ordering: .relaxed) }

    private func enqueue(_ line: DeferredLine) {
        let queued = pending.withLock { state -> Int in
            guard state.deferred.count < Self.maximumQueuedLines else { return -1 }
            state.deferred.append(line)
            return state.deferred.count
        }
        if queued < 0 {
            countDropped(1, reason: "the log writer fell behind")
            flushSoon()
            return
        }
        if queued >= 1024 { flushSoon() }
    }

    private func countDropped(_ lines: Int, reason: String) {
        guard lines > 0 else { return }
        let before = dropped.add(lines, ordering: .relaxed).oldValue
        // The first drop, then every 10 000th, so a long outage does not flood the health board.
        if before == 0 || before / 10_000 != (before + lines) / 10_000 {
            onStatus?(.failing(reason: reason, waitingBytes: 0, droppedLines: before + lines))
        }
    }

    /// Writes out on the writer queue now rather than at the next tick.
    private func flushSoon() {
        guard !flushQueued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writer.async { [self] in
            flushQueued.store(false, ordering: .releasing)
            flush()
        }
    }

    /// Writes everything queued so far (tests, shutdown).
    public func flush() {
        let (ready, deferred) = pending.withLock { state -> ([UInt8], [DeferredLine]) in
            defer {
                state.lines.removeAll(keepingCapacity: true)
                state.deferred.removeAll(keepingCapacity: true)
            }
            return (state.lines, state.deferred)
        }
        var lines = ByteBufferAllocator().buffer(capacity: ready.count + deferred.count * 256)
        lines.writeBytes(ready)
        for line in deferred {
            switch line {
            case .encoded(let write): lines.writeJSON(expectedBytes: 256, write)
            case .rendered(let render): lines.writeJSON(render())
            }
            lines.writeInteger(UInt8(ascii: "\n"))
        }
        writeLock.withLock { write(lines.readableBytesView) }
    }

    /// Under `writeLock`: writes what earlier failures left, then `fresh`; keeps what the disk
    /// refuses, within bounds, and reports each change between working and failing.
    private func write(_ fresh: ByteBufferView) {
        guard !fresh.isEmpty || !unwritten.isEmpty else { return }
        // The usual case: nothing waits and the file is open, so the new bytes go out as they are.
        if unwritten.isEmpty, let file {
            let (written, error) = fresh.withContiguousStorageIfAvailable { file.write(UnsafeRawBufferPointer($0)) } ?? Array(fresh).withUnsafeBytes { file.write($0) }
            guard let error else {
                if failure != nil {
                    failure = nil
                    onStatus?(.writing)
                }
                return
            }
            unwritten.append(contentsOf: fresh.dropFirst(written))
            fail(error.description)
            trimUnwritten()
            return
        }
        unwritten.append(contentsOf: fresh)
        if file == nil, SystemClock.monotonicSeconds() >= reopenDueAt {
            do throws(FileError) {
                file = try AppendOnlyFile(path: path)
            } catch {
                reopenDueAt = SystemClock.monotonicSeconds() + 1
                fail("cannot reopen: \(error.description)")
            }
        }
        if let file {
            let (written, error) = unwritten.withUnsafeBytes { file.write($0) }
            unwritten.removeFirst(written)
            if let error {
                fail(error.description)
            } else if failure != nil {
                failure = nil
                onStatus?(.writing)
            }
        }
        trimUnwritten()
    }

    private func fail(_ reason: String) {
        let firstTime = failure != reason
        failure = reason
        if firstTime { onStatus?(.failing(reason: reason, waitingBytes: unwritten.count, droppedLines: droppedLines)) }
    }

    /// Drops the oldest whole lines past `maximumUnwrittenBytes`, counting them.
    private func trimUnwritten() {
        guard unwritten.count > maximumUnwrittenBytes else { return }
        let excess = unwritten.count - maximumUnwrittenBytes
        // Cut after the newline that ends the line holding byte `excess`, so no half line stays.
        let cut = unwritten[excess...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? unwritten.count
        let lines = unwritten[..<cut].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        unwritten.removeFirst(cut)
        countDropped(lines, reason: failure ?? "the disk refused them")
    }

    /// Closes and reopens the file by name, so a rotated file is let go. A failure is reported
    /// and retried at every flush (at most once a second) until the file opens again.
    public func reopen() {
        flush()
        writeLock.withLock {
            file = nil
            do throws(FileError) {
                file = try AppendOnlyFile(path: path)
                if failure != nil, unwritten.isEmpty {
                    failure = nil
                    onStatus?(.writing)
                }
            } catch {
                reopenDueAt = SystemClock.monotonicSeconds() + 1
                fail("cannot reopen: \(error.description)")
            }
        }
    }

    /// Stops the periodic writes, writes out what is queued and closes the file.
    public func close() {
        timer.cancel()
        flush()
        writeLock.withLock { file = nil }
    }
}
