import HookNumbers

/// One webhook's calls over the last `seconds` seconds: what the alert rules and `alert.metrics`
/// read.
///
/// Memory is bounded whatever the call count, and small for a quiet code, because only time
/// slots that had calls are kept:
/// - counts (calls, failures, 401/403s) per second for windows up to 5 minutes, per 1/300 of
///   longer ones (rounded up): at most 301 slots of 32 bytes, the counts exact to the slot;
/// - durations per latency slot, a tenth of the window (30 s for the default 5 minutes), each a
///   sparse ``LatencyHistogram`` with the exact sum, minimum and maximum, plus one histogram for
///   the whole window that percentiles read without merging or sorting.
///
/// A code with one call costs a few hundred bytes (it was 12 KB with a bucket per second); a busy
/// one at most 12 histograms of ``LatencyBins/count`` 8-byte entries and its count slots, about
/// 120 KB, however many calls it has.
///
/// Latency slots expire when their newest second leaves the window, so the latency figures
/// (average, percentiles, maximum) cover the window's calls plus those of at most one latency
/// slot before it: for the default window, the last 5 to 5½ minutes. Percentiles are nearest
/// rank over the bins, each within 1 % of the exact value (``LatencyBins``) and clamped to the
/// exact minimum and maximum; the average and the maximum are exact.
///
/// Recording is O(1): the slot is the last one, or a new last one; only a call arriving late
/// (timestamped before newer calls) looks its slot up by binary search among at most 301.
struct CallWindow: Sendable {
    /// The calls of one count slot.
    private struct CountSlot: Sendable {
        var index: Int64
        var total = 0
        var failed = 0
        var authFailures = 0
    }

    /// The durations of one latency slot.
    private struct LatencySlot: Sendable {
        var index: Int64
        var histogram = LatencyHistogram()
        var count = 0
        var sum = 0.0
        var minimum = Double.infinity
        var maximum = 0.0
    }

    /// What the window's durations come to, as `WindowMetrics` reports them (seconds).
    struct Latencies: Sendable, Equatable {
        /// Calls whose durations these are (the window's, plus at most one latency slot before it).
        var count = 0
        var average = 0.0
        var p50 = 0.0
        var p95 = 0.0
        var p99 = 0.0
        var maximum = 0.0
    }

    /// Count slots per window at most (plus one partly out of it); windows up to this many
    /// seconds are counted to the second.
    static let countSlotsPerWindow = 300
    /// Latency slots per window (plus one partly out of it).
    static let latencySlotsPerWindow = 10

    let seconds: Int
    /// Seconds per count slot.
    let countSlotSeconds: Int
    /// Seconds per latency slot.
    let latencySlotSeconds: Int
    /// Slots with calls, oldest first.
    private var countSlots: [CountSlot] = []
    private var latencySlots: [LatencySlot] = []
    /// The sum of `latencySlots`' histograms.
    private var histogram = LatencyHistogram()
    private(set) var total = 0
    private(set) var failed = 0
    private(set) var authFailures = 0
    /// The newest second the window has advanced to.
    private var current: Int64 = .min

    init(seconds: Int) {
        self.seconds = max(1, seconds)
        // Rounded up, so that a window never needs more than the planned number of slots.
        countSlotSeconds = (self.seconds + Self.countSlotsPerWindow - 1) / Self.countSlotsPerWindow
        latencySlotSeconds = (self.seconds + Self.latencySlotsPerWindow - 1) / Self.latencySlotsPerWindow
    }

    /// Drops every slot whose newest second is older than the window ending at `second`.
    mutating func advance(to second: Int64) {
        guard second > current else { return }
        current = second
        let oldestKept = second - Int64(seconds) + 1
        var expired = 0
        while expired < countSlots.count && Self.newestSecond(of: countSlots[expired].index, countSlotSeconds) < oldestKept {
            total -= countSlots[expired].total
            failed -= countSlots[expired].failed
            authFailures -= countSlots[expired].authFailures
            expired += 1
        }
        if expired > 0 { countSlots.removeFirst(expired) }
        expired = 0
        while expired < latencySlots.count && Self.newestSecond(of: latencySlots[expired].index, latencySlotSeconds) < oldestKept {
            histogram.subtract(latencySlots[expired].histogram)
            expired += 1
        }
        if expired > 0 { latencySlots.removeFirst(expired) }
    }

    /// Adds a call that happened at `second` (which must be within the window ending now).
    mutating func record(second: Int64, success: Bool, authFailure: Bool, duration: Double) {
        let countIndex = Self.slotIndex(of: second, countSlotSeconds)
        let counts = Self.position(of: countIndex, in: countSlots, index: \.index)
        if !counts.found { countSlots.insert(CountSlot(index: countIndex), at: counts.offset) }
        countSlots[counts.offset].total += 1
        total += 1
        if !success {
            countSlots[counts.offset].failed += 1
            failed += 1
        }
        if authFailure {
            countSlots[counts.offset].authFailures += 1
            authFailures += 1
        }

        let latencyIndex = Self.slotIndex(of: second, latencySlotSeconds)
        let latency = Self.position(of: latencyIndex, in: latencySlots, index: \.index)
        if !latency.found { latencySlots.insert(LatencySlot(index: latencyIndex), at: latency.offset) }
        let bin = LatencyBins.bin(of: duration)
        latencySlots[latency.offset].histogram.add(bin: bin)
        latencySlots[latency.offset].count += 1
        latencySlots[latency.offset].sum += duration
        latencySlots[latency.offset].minimum = min(latencySlots[latency.offset].minimum, duration)
        latencySlots[latency.offset].maximum = max(latencySlots[latency.offset].maximum, duration)
        histogram.add(bin: bin)
    }

    /// Whether `second` lies in the window ending at the current second.
    func contains(_ second: Int64) -> Bool { second <= current && second > current - Int64(seconds) }

    var failureRatePercent: Double { total == 0 ? 0 : Double(failed) / Double(total) * 100 }

    /// The average, percentiles (nearest rank, within 1 %) and maximum of the durations: one
    /// pass over the latency slots and three over the window's occupied bins; nothing is sorted.
    func latencies() -> Latencies {
        var result = Latencies()
        var sum = 0.0
        var minimum = Double.infinity
        for slot in latencySlots {
            result.count += slot.count
            sum += slot.sum
            minimum = min(minimum, slot.minimum)
            result.maximum = max(result.maximum, slot.maximum)
        }
        guard result.count > 0 else { return Latencies() }
        result.average = sum / Double(result.count)
        func percentile(_ fraction: Double) -> Double {
            // Nearest rank: the smallest value with at least `fraction` of the calls at or below it.
            let rank = min(result.count, max(1, Int(clamping: fraction * Double(result.count), rounding: .up)))
            guard let bin = histogram.bin(atRank: rank) else { return result.maximum }
            return min(max(LatencyBins.representative(of: bin), minimum), result.maximum)
        }
        result.p50 = percentile(0.50)
        result.p95 = percentile(0.95)
        result.p99 = percentile(0.99)
        return result
    }

    /// Bins the window's histogram occupies (for tests).
    var occupiedLatencyBins: Int { histogram.occupiedBins }

    /// Count slots kept (for tests).
    var countSlotsKept: Int { countSlots.count }

    /// Latency slots kept (for tests).
    var latencySlotsKept: Int { latencySlots.count }

    private static func slotIndex(of second: Int64, _ slotSeconds: Int) -> Int64 {
        let length = Int64(slotSeconds)
        return second >= 0 ? second / length : -((-second + length - 1) / length)
    }

    private static func newestSecond(of index: Int64, _ slotSeconds: Int) -> Int64 {
        index * Int64(slotSeconds) + Int64(slotSeconds) - 1
    }

    /// Where the slot numbered `target` is, or would go, in `slots` (ordered by index): the last
    /// place first, since calls arrive in time order, then a binary search for a late one.
    private static func position<Slot>(of target: Int64, in slots: [Slot], index: KeyPath<Slot, Int64>) -> (offset: Int, found: Bool) {
        guard let last = slots.last else { return (0, false) }
        let lastIndex = last[keyPath: index]
        if lastIndex == target { return (slots.count - 1, true) }
        if lastIndex < target { return (slots.count, false) }
        var low = 0
        var high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle][keyPath: index] < target { low = middle + 1 } else { high = middle }
        }
        return (low, low < slots.count && slots[low][keyPath: index] == target)
    }
}
