import HookCore
import Testing

@Suite("AccessPolicy")
struct AccessPolicyTests {
    static let daemonUserID: UInt32 = 990
    static let stranger = Peer(processID: 4242, userID: 1000, groupID: 1000)

    static func patterns(_ texts: String...) -> [MethodPattern] {
        texts.compactMap(MethodPattern.init)
    }

    @Test("root may call everything, even with no rules")
    func rootAlwaysPermitted() {
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID)
        let root = Peer(processID: 1, userID: 0, groupID: 0)
        #expect(policy.permits(root, toCall: "system.echo"))
        #expect(policy.permits(root, toCall: "credential.get"))
    }

    @Test("the daemon's own user may call everything, even with no rules")
    func daemonUserAlwaysPermitted() {
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID)
        let daemon = Peer(processID: 2, userID: Self.daemonUserID, groupID: 12345)
        #expect(policy.permits(daemon, toCall: "system.reload"))
    }

    @Test("rules cannot lock root out")
    func rootPermittedDespiteRules() {
        let rule = AccessPolicy.Rule(methods: Self.patterns("system.echo"), userIDs: [1000])
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID, rules: [rule])
        #expect(policy.permits(Peer(processID: 1, userID: 0, groupID: 0), toCall: "credential.get"))
    }

    @Test("anyone else is denied when there are no rules")
    func strangerDeniedWithoutRules() {
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID)
        #expect(!policy.permits(Self.stranger, toCall: "system.echo"))
    }

    @Test("a rule naming a user id grants that user")
    func ruleByUserID() {
        let rule = AccessPolicy.Rule(methods: Self.patterns("system.*"), userIDs: [1000])
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID, rules: [rule])
        #expect(policy.permits(Self.stranger, toCall: "system.echo"))
        #expect(!policy.permits(Peer(processID: 5, userID: 1001, groupID: 1001), toCall: "system.echo"))
    }

    @Test("a rule naming a group grants a peer whose primary group it is")
    func ruleByPrimaryGroup() {
        let rule = AccessPolicy.Rule(methods: Self.patterns("*"), groupIDs: [1000])
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID, rules: [rule])
        let peer = Peer(processID: 5, userID: 2000, groupID: 1000)
        #expect(policy.permits(peer, toCall: "system.echo"))
    }

    @Test("a rule naming a group grants a peer with it as a supplementary group")
    func ruleBySupplementaryGroup() {
        let rule = AccessPolicy.Rule(methods: Self.patterns("*"), groupIDs: [500])
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID, rules: [rule])
        let member = Peer(processID: 5, userID: 2000, groupID: 2000, supplementaryGroupIDs: [27, 500])
        let outsider = Peer(processID: 6, userID: 2001, groupID: 2001, supplementaryGroupIDs: [27])
        #expect(policy.permits(member, toCall: "system.echo"))
        #expect(!policy.permits(outsider, toCall: "system.echo"))
    }

    @Test("a rule for one namespace does not grant another")
    func namespaceRuleIsScoped() {
        let rule = AccessPolicy.Rule(methods: Self.patterns("credential.*"), userIDs: [1000])
        let policy = AccessPolicy(daemonUserID: Self.daemonUserID, rules: [rule])
        #expect(policy.permits(Self.stranger, toCall: "credential.get"))
        #expect(!policy.permits(Self.stranger, toCall: "system.echo"))
        #expect(!policy.permits(Self.stranger, toCall: "credentials.get"))
    }

    @Test("groups are needed only when some rule names a group")
    func needsGroups() {
        let byUser = AccessPolicy.Rule(methods: Self.patterns("*"), userIDs: [1000])
        let byGroup = AccessPolicy.Rule(methods: Self.patterns("*"), groupIDs: [500])
        #expect(!AccessPolicy(daemonUserID: Self.daemonUserID).needsGroups)
        #expect(!AccessPolicy(daemonUserID: Self.daemonUserID, rules: [byUser]).needsGroups)
        #expect(AccessPolicy(daemonUserID: Self.daemonUserID, rules: [byUser, byGroup]).needsGroups)
    }
}
