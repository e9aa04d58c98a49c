/// One webhook's calls over the last `seconds` seconds, in one bucket per second.
///
/// Counts are kept as running totals, so recording a call is O(1); buckets that fall out of the
/// window are subtracted as time advances. Durations are kept per bucket for exact percentiles.
struct CallWindow: Sendable {
    private struct Bucket: Sendable {
        var second: Int64 = .min
        var total = 0
        var failed = 0
        var authFailures = 0
        var durations: [Double] = []
    }

    let seconds: Int
    private var buckets: [Bucket]
    private(set) var total = 0
    private(set) var failed = 0
    private(set) var authFailures = 0
    /// The newest second the window has advanced to.
    private var current: Int64 = .min

    init(seconds: Int) {
        self.seconds = max(1, seconds)
        buckets = Array(repeating: Bucket(), count: self.seconds)
    }

    /// Drops every bucket older than the window ending at `second`.
    mutating func advance(to second: Int64) {
        guard second > current else { return }
        let oldestKept = second - Int64(seconds) + 1
        if current == .min || second - current >= Int64(seconds) {
            for index in buckets.indices where buckets[index].second != .min { expire(index) }
        } else {
            var moment = current + 1
            while moment <= second {
                let index = slot(moment)
                if buckets[index].second != .min && buckets[index].second < oldestKept { expire(index) }
                moment += 1
            }
        }
        current = second
    }

    /// Adds a call that happened at `second` (which must be within the window ending now).
    mutating func record(second: Int64, success: Bool, authFailure: Bool, duration: Double) {
        let index = slot(second)
        if buckets[index].second != second {
            if buckets[index].second != .min { expire(index) }
            buckets[index].second = second
        }
        buckets[index].total += 1
        total += 1
        if !success {
            buckets[index].failed += 1
            failed += 1
        }
        if authFailure {
            buckets[index].authFailures += 1
            authFailures += 1
        }
        buckets[index].durations.append(duration)
    }

    /// Whether `second` lies in the window ending at the current second.
    func contains(_ second: Int64) -> Bool { second <= current && second > current - Int64(seconds) }

    /// Every duration in the window, sorted (for percentiles).
    func sortedDurations() -> [Double] {
        buckets.filter { $0.second != .min }.flatMap(\.durations).sorted()
    }

    var failureRatePercent: Double { total == 0 ? 0 : Double(failed) / Double(total) * 100 }

    private func slot(_ second: Int64) -> Int { Int(((second % Int64(seconds)) + Int64(seconds)) % Int64(seconds)) }

    private mutating func expire(_ index: Int) {
        total -= buckets[index].total
        failed -= buckets[index].failed
        authFailures -= buckets[index].authFailures
        buckets[index] = Bucket()
    }
}
