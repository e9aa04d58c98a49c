/// Who is on the other end of a connection, as the kernel reports it (SO_PEERCRED).
///
/// Access decisions use these numbers, never anything the peer says about itself.
public struct Peer: Sendable, Equatable, CustomStringConvertible {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32
    /// The user's supplementary groups, looked up once per connection when the ACL needs them.
    public var supplementaryGroupIDs: [UInt32]

    public init(processID: Int32, userID: UInt32, groupID: UInt32, supplementaryGroupIDs: [UInt32] = []) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
        self.supplementaryGroupIDs = supplementaryGroupIDs
    }

    public var description: String { "uid \(userID) gid \(groupID) pid \(processID)" }
}
