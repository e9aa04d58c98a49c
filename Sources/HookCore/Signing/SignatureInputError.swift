/// A signing or verification call that lacks an input its scheme needs: a caller's mistake
/// (JSON-RPC `-32602`), as opposed to a bad signature, which is a result.
public enum SignatureInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `generic` scheme was asked for without its `GenericSignatureSettings`.
    case genericSettingsRequired
    /// Twilio signs the request URL: `url` is required.
    case urlRequired

    public var description: String {
        switch self {
        case .genericSettingsRequired: "the generic signature scheme needs its settings (header, prefix, encoding, algorithm, signed_content)"
        case .urlRequired: "the twilio signature scheme signs the request URL: url is required"
        }
    }
}
