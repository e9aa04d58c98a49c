import Yams

/// Decides whether the config harness may hand a text to the loader, which reads the file a
/// `*_file` key names while it parses.
///
/// Admitted: every `*_file` key, in any mapping at any depth, has a plain file name (letters,
/// digits, `.`, `_`, `-`; no `/`, no `${…}`) or a value that is not a scalar (which the loader
/// refuses without reading). A plain name resolves inside `$CREDENTIALS_DIRECTORY`, which the
/// harness sets to `ScratchCredentials.directory`. The screen looks at the same composed tree
/// the loader reads, so quoting, escapes and aliases cannot hide a key from it.
enum SecretFileScreen {
    /// The most nodes the screen visits: aliases share subtrees, so a small text can stand for
    /// an exponentially large tree. A text past the budget is not admitted.
    static let nodeBudget = 20_000

    /// The longest file name admitted.
    static let longestName = 64

    /// Whether `text` could hold a `*_file` key at all: it must spell `_file`, or build it with a
    /// double-quoted escape (`\x5f`) or an escaped line break. Most inputs do neither, and are
    /// admitted without composing the YAML twice.
    static func mayNameSecretFile(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: "\\")) { return true }
        let suffix = Array("_file".utf8)
        guard bytes.count >= suffix.count else { return false }
        return (0...(bytes.count - suffix.count)).contains { bytes[$0..<$0 + suffix.count].elementsEqual(suffix) }
    }

    /// Whether `root` names no secret file outside the credentials directory.
    static func admits(_ root: Node) -> Bool {
        var budget = nodeBudget
        return admits(root, budget: &budget)
    }

    private static func admits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .sequence(let sequence):
            return sequence.allSatisfy { admits($0, budget: &budget) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                if case .scalar(let name) = key, name.string.hasSuffix("_file"),
                   case .scalar(let path) = value, !isPlainName(path.string) {
                    return false
                }
                guard admits(key, budget: &budget), admits(value, budget: &budget) else { return false }
            }
            return true
        }
    }

    /// A name without a path in it, that cannot expand to one.
    static func isPlainName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= longestName, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
