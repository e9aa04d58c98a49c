/// The one rule for endpoint names (the `<name>` of `/in/<name>`), shared by the capture
/// route, the API and the scripts file.
public enum SandboxEndpointName {
    /// The rule in words, for error messages.
    public static let rule = "1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'"

    /// Whether `name` follows `rule`.
    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }
}
