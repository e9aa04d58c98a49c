/// Expands `${VAR}` and `${VAR:-default}` in configuration values from the environment.
///
/// `$$` stands for a literal dollar sign. A variable that is unset (and has no default) is an
/// error rather than an empty string, so a typo cannot silently blank a setting.
enum EnvironmentExpansion {
    enum Failure: Error, Equatable {
        case unset(String)
        case unterminated
    }

    static func expand(_ text: String, environment: [String: String]) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else { throw .unterminated }
                let body = text[text.index(after: next)..<close]
                let (name, fallback) = splitDefault(body)
                if let value = environment[name], !(fallback != nil && value.isEmpty) {
                    output += value
                } else if let fallback {
                    output += fallback
                } else {
                    throw .unset(name)
                }
                index = text.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return output
    }

    private static func splitDefault(_ body: Substring) -> (String, String?) {
        guard let marker = body.range(of: ":-") else { return (String(body), nil) }
        return (String(body[..<marker.lowerBound]), String(body[marker.upperBound...]))
    }
}
