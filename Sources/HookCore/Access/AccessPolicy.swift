/// Who may call which methods: hookd's ACL.
///
/// Root and the daemon's own user may always call everything, so no configuration can lock the
/// operator out; rules grant further users and groups access to the methods their patterns name.
/// With no rules, nobody else may call anything (the safe default for a daemon holding secrets).
public struct AccessPolicy: Sendable, Equatable {
    /// One grant: these users and groups may call methods matching these patterns.
    public struct Rule: Sendable, Equatable {
        public var methods: [MethodPattern]
        public var userIDs: Set<UInt32>
        public var groupIDs: Set<UInt32>

        public init(methods: [MethodPattern], userIDs: Set<UInt32> = [], groupIDs: Set<UInt32> = []) {
            self.methods = methods
            self.userIDs = userIDs
            self.groupIDs = groupIDs
        }
    }

    public var alwaysAllowedUserIDs: Set<UInt32>
    public var rules: [Rule]

    public init(daemonUserID: UInt32, rules: [Rule] = []) {
        alwaysAllowedUserIDs = [0, daemonUserID]
        self.rules = rules
    }

    /// Whether any rule names a group, so connections know to look up supplementary groups.
    public var needsGroups: Bool { rules.contains { !$0.groupIDs.isEmpty } }

    /// Whether `peer` may call anything at all. A peer with no grant learns nothing from hookd:
    /// every call it makes is refused alike, whether the method exists or the call is well formed.
    public func grantsAnything(to peer: Peer) -> Bool {
        if alwaysAllowedUserIDs.contains(peer.userID) { return true }
        return rules.contains { rule in
            rule.userIDs.contains(peer.userID) || rule.groupIDs.contains(peer.groupID)
                || peer.supplementaryGroupIDs.contains(where: rule.groupIDs.contains)
        }
    }

    /// Whether `peer` may call `method`.
    public func permits(_ peer: Peer, toCall method: String) -> Bool {
        if alwaysAllowedUserIDs.contains(peer.userID) { return true }
        for rule in rules where rule.methods.contains(where: { $0.matches(method) }) {
            if rule.userIDs.contains(peer.userID) || rule.groupIDs.contains(peer.groupID) { return true }
            if peer.supplementaryGroupIDs.contains(where: rule.groupIDs.contains) { return true }
        }
        return false
    }
}
