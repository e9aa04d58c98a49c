import HookCore
import Testing

/// The outbound address policy, judged over address lists only: no test sends traffic to a
/// private, link-local or public address to show that it is blocked.
struct NetworkPolicyTests {
    private func address(_ text: String) throws -> IPAddress { try #require(IPAddress(parsing: text), "\(text) should parse") }

    private func decision(_ text: String, allow: [String] = []) throws -> NetworkPolicy.Decision {
        let policy = NetworkPolicy(allowed: try allow.map { try NetworkBlock(parsing: $0) })
        return policy.decision(for: try address(text))
    }

    @Test(arguments: [
        ("127.0.0.1", NetworkPolicy.AddressClass.loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
        ("10.0.0.1", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
        ("192.168.1.1", .privateNetwork), ("100.64.0.1", .privateNetwork), ("fc00::1", .privateNetwork),
        ("fd12:3456::1", .privateNetwork), ("fec0::1", .privateNetwork), ("64:ff9b:1::a", .privateNetwork),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved), ("192.0.2.1", .reserved), ("198.18.0.1", .reserved),
        ("2001:db8::1", .reserved), ("100::1", .reserved), ("2001::1", .reserved),
    ])
    func nonPublicAddressesAreBlockedByClass(text: String, expected: NetworkPolicy.AddressClass) throws {
        #expect(try decision(text) == .blocked(expected))
    }

    @Test(arguments: [
        "93.184.215.14", "8.8.8.8", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "169.253.255.255",
        "192.169.0.1", "223.255.255.255", "2606:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::200e",
        "64:ff9b::808:808",  // NAT64 of 8.8.8.8
        "2002:0808:0808::1",  // 6to4 of 8.8.8.8
    ])
    func publicAddressesAreAllowed(text: String) throws {
        #expect(try decision(text) == .allowed)
    }

    @Test(arguments: [
        ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("10.1", "10.0.0.1"), ("012.0.0.1", "10.0.0.1"), ("[::ffff:10.0.0.1]", "::ffff:10.0.0.1"),
        ("::ffff:a00:1", "::ffff:10.0.0.1"), ("[::1]", "::1"), ("0:0:0:0:0:0:0:1", "::1"), ("fe80::1%eth0", "fe80::1"),
        ("[FE80::1%25eth0]", "fe80::1"), ("::FFFF:127.0.0.1", "::ffff:127.0.0.1"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ])
    func oddSpellingsReadAsTheResolverReadsThem(text: String, canonical: String) throws {
        #expect(try address(text).description == canonical)
    }

    @Test(arguments: ["0x7f.1", "127.1", "2130706433", "0177.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "[::1]"])
    func oddLoopbackSpellingsAreStillLoopback(text: String) throws {
        #expect(try decision(text) == .blocked(.loopback))
    }

    @Test(arguments: [
        ("[::ffff:10.0.0.1]", NetworkPolicy.AddressClass.privateNetwork), ("::ffff:169.254.169.254", .linkLocal),
        ("64:ff9b::a9fe:a9fe", .linkLocal), ("2002:a9fe:a9fe::1", .linkLocal), ("64:ff9b::7f00:1", .loopback),
        ("::10.0.0.1", .reserved), ("::127.0.0.1", .reserved),
    ])
    func ipv6FormsThatCarryAnIPv4AddressAreJudgedByIt(text: String, expected: NetworkPolicy.AddressClass) throws {
        #expect(try decision(text) == .blocked(expected))
    }

    @Test(arguments: [
        "", "localhost", "example.com", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.16777216", "4294967296", "0x100000000",
        "08.0.0.1", "1..2", "1.2.3.", ".1.2.3", "0x", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "1.2.3.-4", "١٢٧.0.0.1",
        ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "::g", "1:2:3:4:5:6:7", "::1%", "[::1", "::ffff:1.2.3",
        "::ffff:01.2.3.4.5", "::+1", "1:2:3:4:5:6:7::8:9",
    ])
    func malformedTextIsNoAddress(text: String) {
        #expect(IPAddress(parsing: text) == nil)
    }

    @Test func allowListedBlocksAreReachableAndNothingElse() throws {
        #expect(try decision("127.0.0.1", allow: ["127.0.0.0/8"]) == .allowed)
        #expect(try decision("0x7f.1", allow: ["127.0.0.0/8"]) == .allowed)
        #expect(try decision("::ffff:127.0.0.1", allow: ["127.0.0.0/8"]) == .allowed, "a mapped address is the IPv4 host")
        #expect(try decision("::1", allow: ["127.0.0.0/8"]) == .blocked(.loopback), "the other family is not covered")
        #expect(try decision("10.0.0.1", allow: ["127.0.0.0/8"]) == .blocked(.privateNetwork))
        #expect(try decision("10.1.2.3", allow: ["10.1.0.0/16"]) == .allowed)
        #expect(try decision("10.2.0.1", allow: ["10.1.0.0/16"]) == .blocked(.privateNetwork))
        #expect(try decision("169.254.169.254", allow: ["169.254.169.253"]) == .blocked(.linkLocal), "a bare address is a /32")
        #expect(try decision("fd00::5", allow: ["fd00::/8"]) == .allowed)
        #expect(try decision("64:ff9b::7f00:1", allow: ["127.0.0.0/8"]) == .blocked(.loopback), "NAT64 needs its IPv6 form listed")
        #expect(try decision("64:ff9b::7f00:1", allow: ["64:ff9b::/96"]) == .allowed)
    }

    @Test func blocksReadTheirPrefixAndClearHostBits() throws {
        #expect(try NetworkBlock(parsing: "10.1.2.3/8").description == "10.0.0.0/8")
        #expect(try NetworkBlock(parsing: "fd00:1::7/16").description == "fd00::/16")
        #expect(try NetworkBlock(parsing: "::/0").contains(try address("2001:db8::1")))
        #expect(try NetworkBlock(parsing: "0.0.0.0/0").contains(try address("8.8.8.8")))
        #expect(try !NetworkBlock(parsing: "0.0.0.0/0").contains(try address("::1")), "a block holds one family")
        #expect(try NetworkBlock(parsing: "192.168.1.1").description == "192.168.1.1/32")
        #expect(try NetworkBlock(parsing: "172.16.0.0/12").contains(try address("172.31.255.255")))
        #expect(try !NetworkBlock(parsing: "172.16.0.0/12").contains(try address("172.32.0.0")))
    }

    @Test(arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "host/8", "/8", ""])
    func malformedBlocksAreRefusedWithTheirText(text: String) {
        let error = #expect(throws: NetworkBlockError.self) { try NetworkBlock(parsing: text) }
        #expect(error?.text == text)
    }

    @Test func cleartextIsHTTPInAnyLetterCase() {
        #expect(NetworkPolicy.isCleartext(url: "http://example.com/"))
        #expect(NetworkPolicy.isCleartext(url: "HTTP://example.com/"))
        #expect(!NetworkPolicy.isCleartext(url: "https://example.com/"))
        #expect(!NetworkPolicy.isCleartext(url: "http:/"))
    }

    @Test func everyAddressClassIsReachableFromTheTables() throws {
        // Guards the constant tables: a typo there would silently drop a range.
        let examples = ["127.0.0.1", "10.0.0.1", "169.254.1.1", "224.0.0.1", "0.0.0.0", "240.0.0.1"]
        let classes = try Set(examples.compactMap { text -> NetworkPolicy.AddressClass? in
            if case .blocked(let addressClass) = try decision(text) { return addressClass }
            return nil
        })
        #expect(classes == Set(NetworkPolicy.AddressClass.allCases))
    }
}
