#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HookNumbers

/// The fixed bins the alerting window counts call durations in, so that percentiles need
/// neither the durations themselves nor a sort.
///
/// The bins are logarithmic: bin `i` (1…``lastRegular``) holds the durations in
/// (1 µs · γ^(i−1), 1 µs · γ^i] with γ = 1.01 / 0.99, and its ``representative(of:)`` value lies
/// within 1 % (``relativeError``) of every duration in it, from 1 µs to 1 h. Durations of 1 µs
/// or less share bin 0 and those over 1 h the last bin; for those two bins the representative is
/// 0 and +∞, which the window clamps to its exact minimum and maximum. 1 103 bins in all, so a
/// bin fits in 16 bits. Logarithmic rather than log-linear (HdrHistogram's layout) because it
/// meets the same error bound with half the bins, and the bins are what a window stores.
enum LatencyBins {
    /// The most a bin's representative differs from a duration in it, relative to the duration.
    static let relativeError = 0.01
    /// Seconds; the upper edge of bin 0.
    static let smallest = 1e-6
    /// Seconds; durations beyond the upper edge of bin ``lastRegular`` (at least this) overflow.
    static let largest = 3_600.0
    /// γ: each regular bin's upper edge over its lower edge.
    static let growth = (1 + relativeError) / (1 - relativeError)
    private static let logGrowth = log(growth)
    /// The last bin with finite edges; the one after it holds what is longer.
    static let lastRegular = Int(clamping: (log(largest / smallest) / logGrowth).rounded(.up))
    /// Bins in all: 0 (≤ 1 µs), the regular ones, and the overflow bin.
    static let count = lastRegular + 2

    /// The bin `duration` (seconds) is counted in. O(1): one logarithm.
    static func bin(of duration: Double) -> Int {
        guard duration > smallest else { return 0 }  // NaN too: callers pass finite durations ≥ 0
        let index = Int(clamping: (log(duration / smallest) / logGrowth).rounded(.up))
        return min(max(1, index), lastRegular + 1)
    }

    /// The duration a percentile falling in `bin` is reported as: for a regular bin, the value
    /// within ``relativeError`` of both its edges (2·upper / (1 + γ)); 0 for bin 0 and +∞ for
    /// the overflow bin, meant to be clamped to the window's exact extremes.
    static func representative(of bin: Int) -> Double {
        if bin <= 0 { return 0 }
        if bin > lastRegular { return .infinity }
        return 2 * smallest * exp(Double(bin) * logGrowth) / (1 + growth)
    }
}
