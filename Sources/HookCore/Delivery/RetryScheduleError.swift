/// A `retry` setting that does not make a schedule. The caller adds the webhook and key.
public enum RetryScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `max_attempts` below 1: the first attempt is always made.
    case tooFewAttempts(Int)
    /// More attempts than `RetrySchedule.maximumAttempts` (from `max_attempts` or the schedule's
    /// length plus one).
    case tooManyAttempts(Int)
    /// The schedule entry at `index` (from 0) is not a valid duration.
    case invalidDelay(index: Int, DurationTextError)
    /// `max_age` is not a valid duration.
    case invalidMaxAge(DurationTextError)

    public var description: String {
        switch self {
        case .tooFewAttempts(let count):
            "max_attempts is \(count); it must be at least 1 (the first attempt)"
        case .tooManyAttempts(let count):
            "\(count) attempts is more than the \(RetrySchedule.maximumAttempts) a schedule may make"
        case .invalidDelay(let index, let error): "schedule[\(index)]: \(error)"
        case .invalidMaxAge(let error): "max_age: \(error)"
        }
    }
}
