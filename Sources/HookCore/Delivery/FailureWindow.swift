import HookNumbers

/// Requests and failures over a sliding window, counted in ``bucketCount`` fixed time buckets: a
/// ring of 30 counters whatever the request rate, never a list of timestamps.
///
/// The window moves a bucket at a time (10 s for 5 minutes), so a request stops counting between
/// `window − window/30` and `window` after it was made. An outcome older than the window (a
/// clock stepped back) is not counted.
struct FailureWindow: Sendable, Equatable {
    /// Requests and failures in the window.
    struct Counts: Sendable, Equatable {
        var requests = 0
        var failures = 0

        /// Failures as a percentage of requests; 0 without requests.
        var failurePercent: Double { requests == 0 ? 0 : Double(failures) * 100 / Double(requests) }
    }

    private struct Bucket: Sendable, Equatable {
        var index: Int64
        var counts = Counts()
    }

    static let bucketCount = 30
    /// Bucket indexes are kept within ± this, so that index arithmetic never overflows.
    private static let indexLimit: Int64 = 1 << 60
    /// Marks a bucket never used: older than any index `bucketIndex` returns.
    private static let unusedIndex: Int64 = -(1 << 62)

    let window: Double
    let bucketSeconds: Double
    private var buckets: [Bucket]
    /// The newest bucket index recorded or asked about.
    private var newestIndex = unusedIndex

    init(window: Double) {
        self.window = window
        bucketSeconds = window / Double(Self.bucketCount)
        buckets = Array(repeating: Bucket(index: Self.unusedIndex), count: Self.bucketCount)
    }

    mutating func record(success: Bool, now: Double) {
        let index = bucketIndex(now)
        newestIndex = max(newestIndex, index)
        guard index > newestIndex - Int64(Self.bucketCount) else { return }
        let slot = Int(((index % Int64(Self.bucketCount)) + Int64(Self.bucketCount)) % Int64(Self.bucketCount))
        if buckets[slot].index != index {
            buckets[slot] = Bucket(index: index)
        }
        buckets[slot].counts.requests += 1
        if !success { buckets[slot].counts.failures += 1 }
    }

    /// The counts of the window ending at `now` (or at the newest outcome, if later).
    func counts(now: Double) -> Counts {
        let current = max(bucketIndex(now), newestIndex)
        var total = Counts()
        for bucket in buckets where bucket.index > current - Int64(Self.bucketCount) && bucket.index <= current {
            total.requests += bucket.counts.requests
            total.failures += bucket.counts.failures
        }
        return total
    }

    mutating func removeAll() {
        self = FailureWindow(window: window)
    }

    private func bucketIndex(_ time: Double) -> Int64 {
        min(max(Int64(clamping: time / bucketSeconds, rounding: .down), -Self.indexLimit), Self.indexLimit)
    }
}
