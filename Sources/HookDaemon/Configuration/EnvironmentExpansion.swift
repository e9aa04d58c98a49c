/// Expands `${VAR}` in configuration values from the environment, as docker compose does, so
/// an application's existing config file loads unchanged:
///
/// - `${VAR}`: the value; unset expands to empty and is reported (a warning, not an error),
/// - `${VAR:-default}` / `${VAR-default}`: `default` when unset or empty / when unset,
/// - `${VAR:?message}` / `${VAR?message}`: an error saying `message` when unset or empty / when unset,
/// - `$$`: a literal dollar sign.
enum EnvironmentExpansion {
    enum Failure: Error, Equatable {
        /// `${VAR:?message}` (or `?`) found VAR unset (or empty).
        case required(name: String, message: String)
        case unterminated
    }

    /// The text with every reference replaced, and the names of unset variables that became "".
    static func expand(_ text: String, environment: [String: String]) throws(Failure) -> (text: String, unset: [String]) {
        guard text.contains("$") else { return (text, []) }
        var output = ""
        var unset: [String] = []
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
                let reference = Reference(text[text.index(after: next)..<close])
                let value = environment[reference.name]
                let missing = value == nil || (reference.emptyCountsAsUnset && value?.isEmpty == true)
                switch (missing, reference.operation) {
                case (false, _): output += value ?? ""
                case (true, .fallback(let fallback)): output += fallback
                case (true, .required(let message)):
                    throw .required(name: reference.name, message: message.isEmpty ? "is required" : message)
                case (true, .plain):
                    if value == nil { unset.append(reference.name) }
                }
                index = text.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return (output, unset)
    }

    /// The inside of `${…}`: a name, then optionally `:-`, `-`, `:?` or `?` and its word.
    private struct Reference {
        enum Operation {
            case plain
            case fallback(String)
            case required(String)
        }

        var name: String
        var operation = Operation.plain
        var emptyCountsAsUnset = false

        init(_ body: Substring) {
            guard let marker = body.firstIndex(where: { $0 == ":" || $0 == "-" || $0 == "?" }) else {
                name = String(body)
                return
            }
            name = String(body[..<marker])
            var rest = body[marker...]
            if rest.first == ":" {
                emptyCountsAsUnset = true
                rest = rest.dropFirst()
            }
            switch rest.first {
            case "-": operation = .fallback(String(rest.dropFirst()))
            case "?": operation = .required(String(rest.dropFirst()))
            default:
                // "${A:B}" is no operation compose knows: keep the whole text as the name, which is unset.
                name = String(body)
                emptyCountsAsUnset = false
            }
        }
    }
}
