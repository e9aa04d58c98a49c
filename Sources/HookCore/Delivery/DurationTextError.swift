import HookNumbers

/// A duration that `DurationText` does not accept: the offending text and what is wrong with it.
public struct DurationTextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with a duration.
    public enum Problem: Sendable, Equatable {
        /// Nothing was written.
        case empty
        /// A minus sign: durations count forward.
        case negative
        /// The number is not digits with an optional fraction (`abc`, `.5`, `5.`, `+5`, `1e3`).
        case malformedNumber
        /// A number followed by something other than `ms`, `s`, `m`, `h` or `d` (the suffix).
        case unknownUnit(String)
        /// NaN or infinity (from a JSON or YAML number).
        case notFinite
        /// More than `DurationText.maximumSeconds`.
        case tooLarge
    }

    /// The text as written, or the number as Swift prints it.
    public var text: String
    public var problem: Problem

    public init(text: String, problem: Problem) {
        self.text = text
        self.problem = problem
    }

    /// What the problem is, then what would be accepted.
    public var description: String {
        let reason: String
        switch problem {
        case .empty: reason = "is empty"
        case .negative: reason = "is negative"
        case .malformedNumber: reason = "does not start with a number (digits, optionally with a fraction: 1.5)"
        case .unknownUnit(let unit): reason = "has the unknown unit '\(unit)'"
        case .notFinite: reason = "is not a finite number"
        case .tooLarge: reason = "is longer than \(Int64(clamping: DurationText.maximumSeconds)) seconds"
        }
        return "duration '\(text)' \(reason); write a number of seconds (30) or a number with a unit: 500ms, 5s, 5m, 2h, 1d"
    }
}
