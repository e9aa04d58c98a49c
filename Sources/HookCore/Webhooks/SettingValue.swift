import HookJSON

/// Reads the values of a webhook's delivery settings and of `delivery.*` in the configuration
/// file: one set of rules, so both refuse the same values with the same words.
///
/// Every refusal is a `WebhookValidationError` naming the field as given (`retry.schedule[1]`,
/// `breaker.window`); the configuration loader moves it to the key and line in its file.
enum SettingValue {
    /// A duration: a number of seconds or a string with a unit (`500ms`, `5s`, `5m`, `2h`, `1d`),
    /// within `range` seconds.
    static func duration(_ value: JSONValue, field: String, in range: ClosedRange<Double>) throws(WebhookValidationError) -> Double {
        switch value {
        case .string, .integer, .double: break
        default:
            throw WebhookValidationError(
                field: field, reason: "must be a duration (seconds, or a string such as 500ms, 5s, 5m, 2h, 1d), found \(value.typeName)")
        }
        let seconds: Double
        do throws(DurationTextError) {
            if case .string(let text) = value {
                seconds = try DurationText.seconds(from: text)
            } else {
                seconds = try DurationText.seconds(from: value.doubleValue ?? .nan)
            }
        } catch {
            throw WebhookValidationError(field: field, reason: "is not a duration: \(error)")
        }
        guard range.contains(seconds) else {
            throw WebhookValidationError(field: field, reason: "must be from \(text(range.lowerBound)) to \(text(range.upperBound)) seconds, found \(text(seconds))")
        }
        return seconds
    }

    /// A number (fractions allowed) within `range`.
    static func number(_ value: JSONValue, field: String, in range: ClosedRange<Double>) throws(WebhookValidationError) -> Double {
        guard let number = value.doubleValue else {
            throw WebhookValidationError(field: field, reason: "must be a number from \(text(range.lowerBound)) to \(text(range.upperBound)), found \(value.typeName)")
        }
        guard range.contains(number) else {
            throw WebhookValidationError(field: field, reason: "must be a number from \(text(range.lowerBound)) to \(text(range.upperBound)), found \(text(number))")
        }
        return number
    }

    /// A number above 0 (fractions allowed) and at most `maximum`.
    static func positiveNumber(_ value: JSONValue, field: String, maximum: Double) throws(WebhookValidationError) -> Double {
        guard let number = value.doubleValue else {
            throw WebhookValidationError(field: field, reason: "must be a number above 0 (fractions allowed, e.g. 0.5), found \(value.typeName)")
        }
        guard number > 0, number <= maximum else {
            throw WebhookValidationError(field: field, reason: "must be a number above 0 and at most \(text(maximum)), found \(text(number))")
        }
        return number
    }

    /// A whole number within `range` (`3` or `3.0`, not `2.5` or `"3"`).
    static func wholeNumber(_ value: JSONValue, field: String, in range: ClosedRange<Int>) throws(WebhookValidationError) -> Int {
        let kind = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let number = value.doubleValue else { throw WebhookValidationError(field: field, reason: "must be \(kind), found \(value.typeName)") }
        guard let whole = value.integerValue, let integer = Int(exactly: whole), range.contains(integer) else {
            throw WebhookValidationError(field: field, reason: "must be \(kind), found \(text(number))")
        }
        return integer
    }

    /// The members of an object, with unknown ones refused by name (`breaker.windw`).
    static func object(_ value: JSONValue, field: String, known: [String]) throws(WebhookValidationError) -> JSONObject {
        guard case .object(let members) = value else {
            throw WebhookValidationError(field: field, reason: "must be an object with \(known.joined(separator: ", ")), found \(value.typeName)")
        }
        for member in members where !known.contains(member.key) {
            throw WebhookValidationError(field: "\(field).\(member.key)", reason: "is not a \(field) setting (\(known.joined(separator: ", ")))")
        }
        return members
    }

    /// A number as messages show it: `30`, `0.5`.
    static func text(_ value: Double) -> String {
        guard value.isFinite else { return String(describing: value) }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
