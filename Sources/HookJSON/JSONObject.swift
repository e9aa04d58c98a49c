/// A JSON object whose members keep their order.
///
/// Objects on the wire are small (a request's params, a result), so a member array with a linear
/// lookup beats a hash table in both time and memory, and it prints in the order it was built.
/// Keys are unique: parsing rejects duplicates and `subscript(key:)`'s setter replaces in place.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member of an object.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    /// Builds an object from members; a later member with the same key replaces an earlier one
    /// (keeping the earlier one's place).
    ///
    /// Linear in the member count: past a handful of members, keys are found through a hash
    /// table rather than by a scan each, so a caller's 100 000 headers cost 100 000 steps, not
    /// 5 · 10⁹ (the masker rebuilds every object it masks with this initialiser).
    public init(_ members: [Member]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        guard members.count > Self.hashedFrom else {
            for member in members { self[member.key] = member.value }
            return
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        for member in members {
            if let position = positions[member.key] {
                self.members[position].value = member.value
            } else {
                positions[member.key] = self.members.count
                self.members.append(member)
            }
        }
    }

    /// Past this many members `init(_:)` de-duplicates through a hash table; up to it, a scan is cheaper.
    static let hashedFrom = 16

    /// Literal keys are written by hand and unique (a repeated key is caught in debug builds),
    /// so a literal skips the de-duplicating setter: responses are built this way on hot paths.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(literal: elements)
    }

    init(literal elements: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(elements.count)
        for (key, value) in elements {
            assert(!members.contains { $0.key == key }, "duplicate key \(key) in a JSON object literal")
            members.append(Member(key: key, value: value))
        }
    }

    /// Internal fast path for the parser, which has already rejected duplicate keys.
    init(uncheckedMembers: [Member]) { members = uncheckedMembers }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            if let recorder = JSONObject.readRecorder { recorder.record(key) }
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Order-insensitive: two objects are equal when they have the same keys with equal values.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}
