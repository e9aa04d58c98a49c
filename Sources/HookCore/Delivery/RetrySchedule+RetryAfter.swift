extension RetrySchedule {
    /// The largest delta-seconds read; longer ones are taken as this (RFC 9111 §1.2.2's 2^31).
    /// `nextAttemptTime` clamps a Retry-After to twice the nominal delay anyway.
    public static let maximumRetryAfterSeconds: Double = 2_147_483_648

    /// Seconds from `now` that a `Retry-After` header value asks to wait, or nil when it is neither
    /// form RFC 9110 §10.2.3 allows.
    ///
    /// Accepts delta-seconds (digits only: `120`) and an HTTP-date in any of its three forms
    /// (IMF-fixdate, RFC 850, asctime); surrounding spaces and tabs are ignored. A date in the past
    /// gives 0. Anything else (`-5`, `1.5`, `soon`, a date with a wrong name or day) gives nil, so
    /// the caller falls back to the schedule.
    /// - Parameter now: Seconds since 1970 (UTC), the time the response arrived.
    public static func parseRetryAfter(_ value: String, now: Double) -> Double? {
        var bytes = Substring(value).utf8[...]
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            var seconds = 0.0
            for byte in bytes {
                seconds = min(seconds * 10 + Double(byte - UInt8(ascii: "0")), maximumRetryAfterSeconds)
            }
            return seconds
        }
        guard now.isFinite, let date = HTTPDate.secondsSince1970(String(Substring(bytes)), now: now) else { return nil }
        return max(date - now, 0)
    }
}
