import HookNumbers

extension HTTPResponse {
    /// The value of the first header field called `name`, compared case-insensitively (ASCII), as
    /// HTTP field names are; nil when the response has no such field.
    ///
    /// - Parameter name: A field name such as `"Retry-After"`.
    /// - Returns: The field's value with surrounding whitespace removed.
    public func header(named name: String) -> String? {
        let wanted = name.asciiLowercased
        return headers.first { $0.name.asciiLowercased == wanted }?.value
    }
}

extension HTTPResponse {
    /// `Retry-After` as delta-seconds (RFC 9110: digits; a decimal fraction is tolerated), clamped
    /// to `0...maximum`; nil when absent or anything else (`-inf`, `1e300`, `nan`, an HTTP date),
    /// so the caller's own backoff applies. A server can neither park a retry for days nor trap
    /// the arithmetic that schedules it.
    public func retryAfterSeconds(maximum: Double) -> Double? {
        guard let text = header(named: "Retry-After") else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        guard let whole = parts.first, isDigits(whole), parts.count == 1 || isDigits(parts[1]),
              let seconds = Double(text) else { return nil }
        return seconds.clamped(to: 0...maximum, ifNaN: maximum)
    }
}
