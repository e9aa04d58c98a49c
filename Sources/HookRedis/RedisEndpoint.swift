/// How to reach a Redis server and which database to use.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Address: Sendable, Equatable {
        case unixSocket(String)
        case tcp(host: String, port: Int)
    }

    public var address: Address
    public var database: Int
    public var password: String?
    public var connectTimeoutSeconds: Double
    public var commandTimeoutSeconds: Double

    public init(address: Address, database: Int = 0, password: String? = nil, connectTimeoutSeconds: Double = 0.25, commandTimeoutSeconds: Double = 0.5) {
        self.address = address
        self.database = database
        self.password = password
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.commandTimeoutSeconds = commandTimeoutSeconds
    }

    /// Where, without the password.
    public var description: String {
        switch address {
        case .unixSocket(let path): "unix:\(path) db \(database)"
        case .tcp(let host, let port): "\(host):\(port) db \(database)"
        }
    }

    /// Opens a connection, authenticates and selects the database.
    /// - Parameter waitForever: no reply timeout, for a subscriber that waits for messages.
    public func connect(waitForever: Bool = false) throws(RedisError) -> RedisConnection {
        let connection: RedisConnection
        let replyTimeout = waitForever ? 0 : commandTimeoutSeconds
        switch address {
        case .unixSocket(let path):
            connection = try RedisConnection(unixSocketPath: path, timeoutSeconds: connectTimeoutSeconds, commandTimeoutSeconds: replyTimeout)
        case .tcp(let host, let port):
            connection = try RedisConnection(host: host, port: port, timeoutSeconds: connectTimeoutSeconds, commandTimeoutSeconds: replyTimeout)
        }
        if let password, !password.isEmpty {
            if case .error = try connection.command("AUTH", password) { throw RedisError("authentication to \(self) was refused") }
        }
        if database != 0, case .error(let message) = try connection.command("SELECT", String(database)) {
            throw RedisError("cannot select database \(database): \(message)")
        }
        return connection
    }
}
