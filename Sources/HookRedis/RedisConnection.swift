import CHiredis

#if canImport(Glibc)
import Glibc
import HookNumbers
#endif

/// One synchronous hiredis connection; owns its `redisContext` and frees it exactly once.
///
/// Blocking: every call waits for the server (bounded by the timeout). It must never run on an
/// event loop or Swift's cooperative pool; later the cache tier drives it from its own threads.
/// Not thread-safe: use it from one thread at a time (only `interrupt` may come from another).
public final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects to a Unix socket.
    /// - Parameters:
    ///   - timeoutSeconds: for connecting.
    ///   - commandTimeoutSeconds: for each reply afterwards; nil means the same as `timeoutSeconds`,
    ///     0 means none (a subscriber waits for messages as long as it takes).
    /// - Throws: `RedisError` when the connection fails (the path and hiredis's reason).
    public init(unixSocketPath: String, timeoutSeconds: Double = 2, commandTimeoutSeconds: Double? = nil) throws(RedisError) {
        guard let context = redisConnectUnixWithTimeout(unixSocketPath, Self.timeval(seconds: timeoutSeconds)) else {
            throw RedisError("cannot allocate a connection to \(unixSocketPath)")
        }
        self.context = context
        try checkConnected(target: unixSocketPath)
        redisSetTimeout(context, Self.timeval(seconds: commandTimeoutSeconds ?? timeoutSeconds))
    }

    /// Connects over TCP; the timeouts are as for the Unix socket.
    public init(host: String, port: Int, timeoutSeconds: Double = 2, commandTimeoutSeconds: Double? = nil) throws(RedisError) {
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.timeval(seconds: timeoutSeconds)) else {
            throw RedisError("cannot allocate a connection to \(host):\(port)")
        }
        self.context = context
        try checkConnected(target: "\(host):\(port)")
        redisSetTimeout(context, Self.timeval(seconds: commandTimeoutSeconds ?? timeoutSeconds))
    }

    deinit { redisFree(context) }

    /// Runs one command given as binary-safe arguments (`["SET", key, value]`).
    /// - Throws: `RedisError` on an I/O or protocol failure; a Redis error reply is returned as
    ///   `.error`, not thrown.
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        guard !arguments.isEmpty else { throw RedisError("a command needs at least its name") }
        let lengths = arguments.map(\.count)
        // hiredis reads each argument through its explicit length, so no NUL terminator is needed
        // and values may contain NUL bytes.
        let raw: UnsafeMutableRawPointer? = withArgumentPointers(arguments) { pointers in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                redisCommandArgv(context, Int32(arguments.count), pointers, lengthBuffer.baseAddress)
            }
        }
        guard let raw else {
            throw RedisError(context.pointee.err != 0 ? Self.errorText(context) : "no reply")
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.convert(reply)
    }

    /// Runs a command given as strings.
    public func command(_ arguments: String...) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Waits for the next reply without sending anything: how a subscriber receives messages.
    public func nextReply() throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer? = nil
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw RedisError(context.pointee.err != 0 ? Self.errorText(context) : "no reply")
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Unblocks a thread waiting in `nextReply` (from any thread) by shutting the socket down;
    /// the connection is unusable afterwards.
    public func interrupt() {
        shutdown(context.pointee.fd, Int32(SHUT_RDWR))
    }

    private func checkConnected(target: String) throws(RedisError) {
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            throw RedisError("cannot connect to \(target): \(reason)")
        }
    }

    private func withArgumentPointers<Result>(
        _ arguments: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        // Keep every argument's storage alive for the duration of the call.
        let storage = arguments.map { argument -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(argument.count, 1), alignment: 1)
            argument.withUnsafeBytes { source in buffer.copyMemory(from: source) }
            return buffer
        }
        defer { storage.forEach { $0.deallocate() } }
        var pointers: [UnsafePointer<CChar>?] = storage.map { UnsafePointer($0.baseAddress?.assumingMemoryBound(to: CChar.self)) }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            // Callers guarantee at least one argument, so the buffer has a base address.
            guard let base = buffer.baseAddress else { preconditionFailure("no arguments") }
            return body(base)
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STATUS: return .status(text(value))
        case REDIS_REPLY_ERROR: return .error(text(value))
        case REDIS_REPLY_INTEGER: return .integer(Int64(value.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_STRING: return .bulk(bytes(value))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { elements.append(convert(element)) }
            }
            return .array(elements)
        default: return .error("unknown reply type \(value.type)")
        }
    }

    private static func bytes(_ value: redisReply) -> [UInt8] {
        guard let pointer = value.str else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: Int(value.len)))
    }

    private static func text(_ value: redisReply) -> String { String(decoding: bytes(value), as: UTF8.self) }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private static func timeval(seconds: Double) -> Glibc.timeval {
        let microseconds = Int(clamping: seconds.clamped(to: 0...86_400, ifNaN: 86_400) * 1_000_000)
        return Glibc.timeval(tv_sec: microseconds / 1_000_000, tv_usec: microseconds % 1_000_000)
    }
}
