/// Call durations counted per ``LatencyBins`` bin, holding only the bins that have calls.
///
/// Sparse because most webhooks answer within a narrow band: a code with one call costs one
/// 8-byte entry, a busy one a few hundred at most (each entry is a bin that had calls), and never
/// more than ``LatencyBins/count`` entries however many calls it counts. Entries are kept in bin
/// order, so adding is a binary search (O(log bins), a constant) plus an insertion only when a
/// bin gets its first call, and ranks are read in one pass without sorting anything.
struct LatencyHistogram: Sendable, Equatable {
    /// One entry per bin with calls: the bin in the top 24 bits, its count in the low 40 bits.
    private var entries: [UInt64] = []

    private static let countBits: UInt64 = 40
    private static let countMask: UInt64 = (1 << countBits) - 1

    /// Whether no call is counted.
    var isEmpty: Bool { entries.isEmpty }

    /// Bins with calls (for tests and memory estimates).
    var occupiedBins: Int { entries.count }

    /// Counts `count` more calls in `bin` (a ``LatencyBins`` bin). A bin's count saturates at
    /// 2⁴⁰ − 1 (a trillion calls), which no window reaches.
    mutating func add(bin: Int, count: Int = 1) {
        guard count > 0 else { return }
        let key = UInt64(clamping: max(0, bin))
        let index = position(of: key)
        if index < entries.count && entries[index] >> Self.countBits == key {
            let sum = (entries[index] & Self.countMask) + UInt64(clamping: count)
            entries[index] = key << Self.countBits | min(sum, Self.countMask)
        } else {
            entries.insert(key << Self.countBits | min(UInt64(clamping: count), Self.countMask), at: index)
        }
    }

    /// Takes away every call `other` counts (a part of this histogram leaving the window), in
    /// one merge pass over both; bins left empty are dropped.
    mutating func subtract(_ other: LatencyHistogram) {
        guard !other.entries.isEmpty else { return }
        var kept: [UInt64] = []
        kept.reserveCapacity(entries.count)
        var otherIndex = 0
        for entry in entries {
            let key = entry >> Self.countBits
            while otherIndex < other.entries.count && other.entries[otherIndex] >> Self.countBits < key { otherIndex += 1 }
            var count = entry & Self.countMask
            if otherIndex < other.entries.count && other.entries[otherIndex] >> Self.countBits == key {
                let removed = other.entries[otherIndex] & Self.countMask
                count = count > removed ? count - removed : 0
                otherIndex += 1
            }
            if count > 0 { kept.append(key << Self.countBits | count) }
        }
        entries = kept
    }

    /// The bin of the `rank`-th shortest call (1-based; nearest rank), or nil when fewer calls
    /// are counted. One pass over the occupied bins.
    func bin(atRank rank: Int) -> Int? {
        guard rank > 0 else { return nil }
        var seen: UInt64 = 0
        let target = UInt64(rank)
        for entry in entries {
            seen += entry & Self.countMask
            if seen >= target { return Int(entry >> Self.countBits) }
        }
        return nil
    }

    /// The first entry whose bin is `key` or more (binary search).
    private func position(of key: UInt64) -> Int {
        // Calls mostly land in the same few bins, and a new bin mostly comes last.
        if let last = entries.last, last >> Self.countBits < key { return entries.count }
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle] >> Self.countBits < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
