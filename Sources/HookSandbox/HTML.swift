/// Escaping for text and attribute values placed in the sandbox's HTML.
enum HTML {
    /// `text` with `& < > " '` replaced by entities: safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// JSON text made safe inside a `<script>` element: `<` becomes `\u003c`, so no `</script>`
    /// can end it early.
    static func scriptSafe(_ json: String) -> String {
        var safe = ""
        for character in json {
            if character == "<" { safe += "\\u003c" } else { safe.append(character) }
        }
        return safe
    }
}
