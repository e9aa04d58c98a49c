import HookCore
import HookNumbers

/// Alerting shared by every hookd on one Redis. Each process adds its calls to per-webhook
/// buckets of `bucketSeconds` and reads the other processes' counts, so the rules judge a
/// webhook's combined traffic; and each notification is claimed with `SET NX`, so one process
/// sends it rather than every process that saw the alert fire.
///
/// Blocking (hiredis): call it from a background thread, never an event loop. A failed command
/// drops the connection, which the next call opens again.
public final class RedisAlertCounter: Sendable {
    /// Calls of one webhook in one bucket, to be added to the shared counts.
    public struct Increment: Sendable, Equatable {
        public var code: String
        public var bucket: Int64
        public var total: Int
        public var failed: Int
        public var authFailures: Int

        public init(code: String, bucket: Int64, total: Int, failed: Int, authFailures: Int) {
            self.code = code
            self.bucket = bucket
            self.total = total
            self.failed = failed
            self.authFailures = authFailures
        }
    }

    /// Other processes' calls leave the window at most this late.
    public static let bucketSeconds: Int64 = 10

    private let keyPrefix: String
    /// This process among those sharing the Redis (host name and pid): its own counts are
    /// skipped when reading, since its window already has them exactly.
    public let instance: String
    private let windowSeconds: Int64
    private let connection: RedisLazyConnection

    public init(endpoint: RedisEndpoint, keyPrefix: String, instance: String, windowSeconds: Int) {
        connection = RedisLazyConnection(endpoint: endpoint)
        self.keyPrefix = keyPrefix
        self.instance = instance
        self.windowSeconds = Int64(windowSeconds)
    }

    /// The bucket a time falls in.
    public static func bucket(of secondsSince1970: Double) -> Int64 {
        Int64(clamping: secondsSince1970 / Double(bucketSeconds), rounding: .down)
    }

    /// The hash holding every process's counts of one webhook in one bucket.
    func bucketKey(code: String, bucket: Int64) -> String { "\(keyPrefix)alerts:\(code):\(bucket)" }

    /// Adds this process's calls (one script run for all of them).
    public func add(_ increments: [Increment]) throws(RedisError) {
        guard !increments.isEmpty else { return }
        var arguments: [String] = ["EVAL", Self.addScript, String(increments.count)]
        arguments += increments.map { bucketKey(code: $0.code, bucket: $0.bucket) }
        // Kept past the window by two buckets, so a late reader still finds the window whole.
        arguments += [instance, String(windowSeconds + 2 * Self.bucketSeconds)]
        for increment in increments {
            arguments += [String(increment.total), String(increment.failed), String(increment.authFailures)]
        }
        let reply = try run(arguments)
        if case .error(let message) = reply { throw RedisError("adding alert counts failed: \(message)") }
    }

    /// Other processes' calls per webhook code over the window ending at `now`.
    public func otherProcessesCounts(codes: [String], now: Double) throws(RedisError) -> [String: RemoteCallCounts] {
        guard !codes.isEmpty else { return [:] }
        let last = Self.bucket(of: now)
        let first = Self.bucket(of: now - Double(windowSeconds)) + 1
        let buckets = Array(first...max(first, last))
        var arguments: [String] = ["EVAL", Self.readScript, String(codes.count * buckets.count)]
        for code in codes { arguments += buckets.map { bucketKey(code: code, bucket: $0) } }
        arguments += [instance, String(buckets.count)]
        guard case .array(let numbers) = try run(arguments), numbers.count == codes.count * 3 else {
            throw RedisError("reading alert counts gave an unexpected reply")
        }
        var counts: [String: RemoteCallCounts] = [:]
        for (index, code) in codes.enumerated() {
            func number(_ offset: Int) -> Int {
                if case .integer(let value) = numbers[index * 3 + offset] { return Int(value) }
                return 0
            }
            counts[code] = RemoteCallCounts(total: number(0), failed: number(1), authFailures: number(2))
        }
        return counts
    }

    /// Claims the right to send one notification; false when another process already has.
    ///
    /// A firing alert is claimed for `holdSeconds` (the repeat interval) and each repeat likewise;
    /// a resolution is claimed for a minute and frees the firing claim, so the next time the
    /// alert fires it is announced again.
    public func claim(code: String, type: AlertType, kind: AlertEvent.Kind, holdSeconds: Int) throws(RedisError) -> Bool {
        let base = "\(keyPrefix)alert-claims:\(code):\(type.rawValue)"
        switch kind {
        case .test:
            return true
        case .firing, .repeat:
            let reply = try run(["SET", "\(base):\(kind.rawValue)", instance, "NX", "EX", String(max(holdSeconds, 1))])
            return reply == .status("OK")
        case .resolved:
            let reply = try run(["SET", "\(base):resolved", instance, "NX", "EX", "60"])
            guard reply == .status("OK") else { return false }
            _ = try run(["DEL", "\(base):firing", "\(base):repeat"])
            return true
        }
    }

    private func run(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try connection.run(arguments)
    }

    /// KEYS: bucket hashes; ARGV: instance, ttl, then total/failed/auth for each key.
    static let addScript = """
        local instance, ttl = ARGV[1], ARGV[2]
        for i, key in ipairs(KEYS) do
          local base = 2 + (i - 1) * 3
          redis.call('HINCRBY', key, instance .. '|t', ARGV[base + 1])
          if ARGV[base + 2] ~= '0' then redis.call('HINCRBY', key, instance .. '|f', ARGV[base + 2]) end
          if ARGV[base + 3] ~= '0' then redis.call('HINCRBY', key, instance .. '|a', ARGV[base + 3]) end
          redis.call('EXPIRE', key, ttl)
        end
        return #KEYS
        """

    /// KEYS: each code's bucket hashes in turn; ARGV: instance, buckets per code. Returns
    /// total, failed and auth failures per code, other instances only.
    static let readScript = """
        local instance, per = ARGV[1], tonumber(ARGV[2])
        local result = {}
        for code = 0, #KEYS / per - 1 do
          local total, failed, auth = 0, 0, 0
          for b = 1, per do
            local fields = redis.call('HGETALL', KEYS[code * per + b])
            for i = 1, #fields, 2 do
              local name = fields[i]
              if string.sub(name, 1, -3) ~= instance then
                local kind, count = string.sub(name, -1), tonumber(fields[i + 1])
                if kind == 't' then total = total + count
                elseif kind == 'f' then failed = failed + count
                elseif kind == 'a' then auth = auth + count end
              end
            end
          end
          result[#result + 1] = total
          result[#result + 1] = failed
          result[#result + 1] = auth
        end
        return result
        """
}
