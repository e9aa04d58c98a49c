/// Text helpers for HTTP's ASCII grammar; locale-independent on purpose.
extension String {
    /// Lowercases A–Z only; HTTP field names are ASCII and locale rules must not apply.
    var asciiLowercased: String {
        String(decoding: utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Without leading and trailing spaces, tabs, CR and LF.
    var trimmingHTTPWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
