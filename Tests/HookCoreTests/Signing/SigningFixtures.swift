import HookCore

/// Small helpers shared by the signing tests.
enum SigningFixtures {
    /// A key from the secret's UTF-8 bytes, without the form check (published examples use sample
    /// secrets that real providers would never issue).
    static func raw(_ secret: String) -> SigningKey { SigningKey(bytes: Array(secret.utf8)) }

    /// Just the current key.
    static func only(_ key: SigningKey) -> SigningKeys { SigningKeys(current: key) }

    /// A rotation: `current`, and `previous` until `expiresAt`.
    static func rotation(_ current: SigningKey, previous: SigningKey, expiresAt: Double) -> SigningKeys {
        SigningKeys(current: current, previous: SigningKeys.Previous(key: previous, expiresAt: expiresAt))
    }

    /// Headers as `Name: value` lines, so lists of tuples can be compared.
    static func lines(_ headers: [(name: String, value: String)]) -> [String] {
        headers.map { "\($0.name): \($0.value)" }
    }

    /// The value of the first header with this exact name.
    static func value(_ headers: [(name: String, value: String)], _ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// The headers with the named one's value replaced.
    static func replacing(_ name: String, with value: String, in headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.map { $0.name == name ? (name: $0.name, value: value) : $0 }
    }

    /// The headers without the named one.
    static func removing(_ name: String, from headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { $0.name != name }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}

extension String {
    /// The text with the first occurrence of `target` replaced (tests only; no Foundation).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
