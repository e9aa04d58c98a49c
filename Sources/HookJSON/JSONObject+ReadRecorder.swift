import Synchronization

/// Collects the keys a piece of code looks up in `JSONObject`s, so a test can compare what a
/// method handler really reads with the parameters its documentation lists (the served
/// OpenRPC document must not drift from the code).
///
/// Off unless a test sets `JSONObject.readRecorder` for the duration of a call; then each
/// `subscript(key:)` read costs one task-local lookup more.
public final class JSONObjectReadRecorder: Sendable {
    private let recorded = Mutex<[String]>([])

    public init() {}

    /// Keys looked up so far, in first-read order, each once.
    public var keys: [String] { recorded.withLock { $0 } }

    func record(_ key: String) {
        recorded.withLock { keys in if !keys.contains(key) { keys.append(key) } }
    }
}

extension JSONObject {
    /// The recorder reads are reported to; nil (always, outside such tests) records nothing.
    @TaskLocal public static var readRecorder: JSONObjectReadRecorder?
}
