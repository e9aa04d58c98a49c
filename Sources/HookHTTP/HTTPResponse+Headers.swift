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
