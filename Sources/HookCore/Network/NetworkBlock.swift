/// A block of addresses in CIDR notation (`127.0.0.0/8`, `fd00::/8`); a bare address is a block of one.
public struct NetworkBlock: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let base: IPAddress
    public let prefixLength: Int

    /// The block of `prefixLength` leading bits of `address`; nil when the length does not fit the family.
    public init?(_ address: IPAddress, prefixLength: Int) {
        guard (0...(address.bytes.count * 8)).contains(prefixLength) else { return nil }
        base = IPAddress(bytes: Self.masked(address.bytes, prefixLength: prefixLength)) ?? address
        self.prefixLength = prefixLength
    }

    /// Reads `address/length` or a bare address.
    /// - Throws: `NetworkBlockError` saying what is wrong with the text.
    public init(parsing text: String) throws(NetworkBlockError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parsing: String(parts[0])) else {
            throw NetworkBlockError(text: text, reason: "is not an IPv4 or IPv6 address")
        }
        var length = address.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isWholeNumber }), let parsed = Int(parts[1]), parsed <= length else {
                throw NetworkBlockError(text: text, reason: "needs a prefix length from 0 to \(length)")
            }
            length = parsed
        }
        guard let block = NetworkBlock(address, prefixLength: length) else {
            throw NetworkBlockError(text: text, reason: "needs a prefix length from 0 to \(address.bytes.count * 8)")
        }
        self = block
    }

    /// Whether `address` lies in the block; an address of the other family never does.
    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == base.bytes.count && Self.masked(address.bytes, prefixLength: prefixLength) == base.bytes
    }

    public var description: String { "\(base)/\(prefixLength)" }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsKept = min(max(prefixLength - index * 8, 0), 8)
            return bitsKept == 8 ? byte : byte & ~(UInt8(0xff) >> UInt8(bitsKept))
        }
    }
}

/// A `network.allow` entry that is not a CIDR block.
public struct NetworkBlockError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "'\(text)' \(reason)" }
}
