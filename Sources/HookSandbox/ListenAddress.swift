/// The `host:port` the sandbox listens on (`--listen`), and whether it stays on this machine.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host as given, without IPv6 brackets: `127.0.0.1`, `::1`, `localhost`.
    public var host: String
    /// The TCP port; 0 lets the system pick one.
    public var port: Int

    /// A `--listen` value that cannot be used, with the reason.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Reads `host:port` or `[v6]:port`.
    /// - Throws: `ParseError` saying what is wrong.
    public init(_ text: String) throws(ParseError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ParseError(description: "'\(text)' is not [IPv6]:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ParseError(description: "'\(text)' is not host:port") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw ParseError(description: "'\(text)' has no host") }
        guard let port = Int(portPart), (0...65_535).contains(port) else {
            throw ParseError(description: "'\(portPart)' in '\(text)' is not a port (0 to 65535)")
        }
        host = String(hostPart)
        self.port = port
    }

    /// Whether only this machine can reach the address: `localhost`, 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
