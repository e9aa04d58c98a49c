import HookStore

/// A capture's signature verdict and who gave it: hookd (`inbound.verify`) or the sandbox itself
/// (with a secret given to the sandbox).
public struct CaptureVerdict: Sendable, Equatable {
    /// Who judged the signature.
    public enum Checker: String, Sendable, CaseIterable {
        /// hookd's `inbound.verify`, with the webhook's IN secret.
        case hookd
        /// The sandbox itself, with the secret in the endpoint's script.
        case sandbox
    }

    /// The signature matched and was within tolerance (and, for hookd, not a replay).
    public var valid: Bool
    /// Why it is not valid (`bad_signature`, `hookd_error: …`); nil when valid.
    public var reason: String?
    /// Who judged it.
    public var checkedBy: Checker

    public init(valid: Bool, reason: String?, checkedBy: Checker) {
        self.valid = valid
        self.reason = reason
        self.checkedBy = checkedBy
    }

    /// The verdict as read back from the store.
    init(stored: CaptureStore.SignatureVerdict) {
        self.init(valid: stored.valid, reason: stored.reason, checkedBy: Checker(rawValue: stored.checkedBy) ?? .hookd)
    }

    /// The verdict as the store keeps it.
    var stored: CaptureStore.SignatureVerdict {
        CaptureStore.SignatureVerdict(valid: valid, reason: reason, checkedBy: checkedBy.rawValue)
    }
}
