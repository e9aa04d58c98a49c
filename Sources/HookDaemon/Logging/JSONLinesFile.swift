import Foundation
import HookJSON
import NIOCore
import Synchronization

/// An append-only JSON Lines file written off the request path: `append` only buffers; a serial
/// queue of its own writes the buffer out every 100 ms (or sooner when it grows), and `reopen`
/// follows logrotate (SIGHUP).
///
/// Used for the audit log now and the structured webhook logs later.
public final class JSONLinesFile: @unchecked Sendable {
    // `handle` is only used by `flush`, `reopen` and `close`, all under `writeLock`.
    public let path: String
    /// A line the writer thread encodes (without its newline) straight into the outgoing bytes.
    /// It must be pure: when the first guess of room is short it runs again with more.
    public typealias LineWriter = @Sendable (inout JSONBytesWriter) -> Void

    /// A line queued to be formatted on the writer's queue rather than the caller's thread.
    private enum DeferredLine {
        case encoded(LineWriter)
        case rendered(@Sendable () -> JSONValue)
    }

    private let pending = Mutex<(lines: [UInt8], deferred: [DeferredLine])>(([], []))
    private let writeLock = NSLock()
    private var handle: FileHandle?
    private let writer: DispatchQueue
    private let timer: DispatchSourceTimer
    /// Whether a flush is already queued on `writer`, so a burst of appends queues one.
    private let flushQueued = Atomic(false)
    private static let flushThreshold = 64 * 1024
    /// Lines waiting to be written at most; past it new lines are dropped and counted, because the
    /// request path must never wait for the disk.
    public static let maximumQueuedLines = 200_000
    private let dropped = Atomic<Int>(0)

    private let onDrop: (@Sendable (Int) -> Void)?

    /// Opens (creating, mode 0640) the file and starts the writer.
    /// - Parameter onDrop: told the running total of dropped lines (the first, then every 10 000th),
    ///   so the daemon can say so on its health report.
    public init(path: String, onDrop: (@Sendable (Int) -> Void)? = nil) throws {
        self.path = path
        self.onDrop = onDrop
        handle = try Self.open(path)
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

    private func enqueue(_ line: DeferredLine) {
        let queued = pending.withLock { state -> Int in
            guard state.deferred.count < Self.maximumQueuedLines else { return -1 }
            state.deferred.append(line)
            return state.deferred.count
        }
        if queued < 0 {
            let total = dropped.add(1, ordering: .relaxed).newValue
            if total == 1 || total % 10_000 == 0 { onDrop?(total) }
            flushSoon()
            return
        }
        if queued >= 1024 { flushSoon() }
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
        guard !ready.isEmpty || !deferred.isEmpty else { return }
        var lines = ByteBufferAllocator().buffer(capacity: ready.count + deferred.count * 256)
        lines.writeBytes(ready)
        for line in deferred {
            switch line {
            case .encoded(let write): lines.writeJSON(expectedBytes: 256, write)
            case .rendered(let render): lines.writeJSON(render())
            }
            lines.writeInteger(UInt8(ascii: "\n"))
        }
        writeLock.withLock { handle?.write(Data(lines.readableBytesView)) }
    }

    /// Closes and reopens the file by name, so a rotated file is let go.
    public func reopen() {
        flush()
        writeLock.withLock {
            try? handle?.close()
            handle = try? Self.open(path)
        }
    }

    /// Stops the periodic writes, writes out what is queued and closes the file.
    public func close() {
        timer.cancel()
        flush()
        writeLock.withLock {
            try? handle?.close()
            handle = nil
        }
    }

    private static func open(_ path: String) throws -> FileHandle {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }
}
