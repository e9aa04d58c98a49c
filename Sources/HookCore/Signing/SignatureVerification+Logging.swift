extension SignatureVerification {
    /// The event id as a log line may carry it: `event_id` as sent, or `event_id_sha256` (hex
    /// SHA-256) when the id is built from the signature (Stripe, Slack); nil without an id.
    public var loggedEventID: (key: String, value: String)? {
        guard let eventID else { return nil }
        guard eventIDContainsSignature else { return ("event_id", eventID) }
        return ("event_id_sha256", SignatureText.hex(SignatureAlgorithm.sha256(Array(eventID.utf8))))
    }
}
