import Synchronization

/// One Redis connection, opened on first use and again after any failure, for the blocking
/// helpers that send a command now and then from a background thread. Commands are serialised.
final class RedisLazyConnection: Sendable {
    private let endpoint: RedisEndpoint
    private let connection = Mutex<RedisConnection?>(nil)

    init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
    }

    /// Sends one command; a failure drops the connection, so the next call opens another.
    func run(_ arguments: [String]) throws(RedisError) -> RedisReply {
        let outcome = connection.withLock { connection -> Result<RedisReply, RedisError> in
            do throws(RedisError) {
                let open: RedisConnection
                if let existing = connection { open = existing } else { open = try endpoint.connect() }
                connection = open
                return .success(try open.command(arguments.map { Array($0.utf8) }))
            } catch {
                connection = nil
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}
