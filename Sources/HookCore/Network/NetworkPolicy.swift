/// Where a call that carries a webhook credential may connect to, and over which scheme.
///
/// hookd runs privileged next to internal services, and a webhook URL (or an OAuth2 token URL
/// inside a credential) is written by whoever may register webhooks. Without this policy such a
/// URL could point the daemon at the cloud metadata service (169.254.169.254), a database on
/// the private network, or a local admin port, and hand it a credential. So every address a
/// connection is about to be opened to is judged here (after DNS, so rebinding cannot slip
/// past): loopback, private, link-local, multicast, unspecified and reserved addresses are
/// refused unless they fall in `network.allow`. Public addresses are always allowed.
/// Operator-configured endpoints (Infisical, Slack, PagerDuty, SMTP) do not go through it.
public struct NetworkPolicy: Sendable, Equatable {
    /// `network.allow`: blocks that are reachable even though they are not public.
    public var allowed: [NetworkBlock]

    /// 127.0.0.0/8 and ::1/128.
    public static let loopbackBlocks: [NetworkBlock] = ["127.0.0.0/8", "::1/128"].compactMap { try? NetworkBlock(parsing: $0) }

    public init(allowed: [NetworkBlock] = []) {
        self.allowed = allowed
    }

    /// Why an address is not public.
    public enum AddressClass: String, Sendable, CaseIterable {
        case loopback
        /// RFC 1918, shared address space (100.64.0.0/10), unique local (fc00::/7), site-local.
        case privateNetwork = "private"
        /// 169.254.0.0/16 (the cloud metadata service lives here) and fe80::/10.
        case linkLocal = "link_local"
        case multicast
        /// 0.0.0.0/8 and `::`, which connect to the local host.
        case unspecified
        /// Documentation, benchmarking, protocol-assignment and future-use ranges: never a real webhook.
        case reserved
    }

    /// The policy's verdict on one address.
    public enum Decision: Sendable, Equatable {
        case allowed
        case blocked(AddressClass)
    }

    /// Judges the address a connection is about to be opened to.
    ///
    /// An IPv4-mapped IPv6 address is judged as the IPv4 address it reaches. Other IPv6 forms
    /// that carry an IPv4 address (IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are
    /// blocked when the embedded address would be; `network.allow` must then list the IPv6 form.
    public func decision(for address: IPAddress) -> Decision {
        let judged = address.mappedIPv4 ?? address
        if allowed.contains(where: { $0.contains(judged) }) { return .allowed }
        guard let addressClass = Self.classify(judged) else { return .allowed }
        return .blocked(addressClass)
    }

    /// Whether a URL sends its request in clear text (`http://`, any letter case).
    public static func isCleartext(url: String) -> Bool {
        url.utf8.count >= 7 && url.prefix(7).lowercased() == "http://"
    }

    /// The class of a non-public address; nil for a public one.
    public static func classify(_ address: IPAddress) -> AddressClass? {
        if address.isIPv4 { return classifyIPv4(address) }
        if let mapped = address.mappedIPv4 { return classifyIPv4(mapped) }
        if let match = ipv6Ranges.first(where: { $0.block.contains(address) }) { return match.addressClass }
        let bytes = address.bytes
        let embedded: IPAddress?
        if bytes[0..<12].allSatisfy({ $0 == 0 }) {
            // IPv4-compatible (::a.b.c.d, deprecated); `::` and `::1` matched above.
            return .reserved
        } else if bytes[0..<12].elementsEqual([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]) {
            // NAT64's well-known prefix 64:ff9b::/96: the gateway connects to the embedded IPv4.
            embedded = IPAddress(bytes: Array(bytes[12..<16]))
        } else if bytes[0] == 0x20 && bytes[1] == 0x02 {
            // 6to4, 2002::/16: the relay delivers to the embedded IPv4.
            embedded = IPAddress(bytes: Array(bytes[2..<6]))
        } else {
            embedded = nil
        }
        return embedded.flatMap(classifyIPv4)
    }

    private static func classifyIPv4(_ address: IPAddress) -> AddressClass? {
        ipv4Ranges.first { $0.block.contains(address) }?.addressClass
    }

    private static func ranges(_ table: [(String, AddressClass)]) -> [(block: NetworkBlock, addressClass: AddressClass)] {
        // The tables are constants written below; a typo there is caught by NetworkPolicyTests.
        table.compactMap { entry in (try? NetworkBlock(parsing: entry.0)).map { ($0, entry.1) } }
    }

    /// IANA's special-purpose IPv4 registry, reduced to what a webhook must never reach.
    private static let ipv4Ranges = ranges([
        ("0.0.0.0/8", .unspecified),
        ("10.0.0.0/8", .privateNetwork),
        ("100.64.0.0/10", .privateNetwork),
        ("127.0.0.0/8", .loopback),
        ("169.254.0.0/16", .linkLocal),
        ("172.16.0.0/12", .privateNetwork),
        ("192.0.0.0/24", .reserved),
        ("192.0.2.0/24", .reserved),
        ("192.168.0.0/16", .privateNetwork),
        ("198.18.0.0/15", .reserved),
        ("198.51.100.0/24", .reserved),
        ("203.0.113.0/24", .reserved),
        ("224.0.0.0/4", .multicast),
        ("240.0.0.0/4", .reserved),
    ])

    /// IANA's special-purpose IPv6 registry, the same way.
    private static let ipv6Ranges = ranges([
        ("::/128", .unspecified),
        ("::1/128", .loopback),
        ("64:ff9b:1::/48", .privateNetwork),
        ("100::/64", .reserved),
        ("2001::/23", .reserved),
        ("2001:db8::/32", .reserved),
        ("fc00::/7", .privateNetwork),
        ("fe80::/10", .linkLocal),
        ("fec0::/10", .privateNetwork),
        ("ff00::/8", .multicast),
    ])
}
