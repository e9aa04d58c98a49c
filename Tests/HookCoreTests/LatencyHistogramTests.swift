import Foundation
@testable import HookCore
import Testing

/// The alerting window's latencies: fixed bins within 1 %, bounded memory, exact counts.
struct LatencyHistogramTests {
    /// A fixed-seed generator (SplitMix64), so a failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// The exact nearest-rank percentile, as the window reported it before the histogram.
    static func exactPercentile(_ sorted: [Double], _ fraction: Double) -> Double {
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    @Test func everyDurationFromAMicrosecondToAnHourIsWithinOnePercentOfItsBin() {
        var generator = SeededGenerator(state: 1)
        var previousBin = 0
        var duration = 1.000_001e-6
        while duration <= 3_600 {  // increasing, so bins must never go down
            let bin = LatencyBins.bin(of: duration)
            #expect(bin >= previousBin)
            let error = abs(LatencyBins.representative(of: bin) - duration) / duration
            #expect(error <= LatencyBins.relativeError + 1e-9, "\(duration) s in bin \(bin): \(error)")
            previousBin = bin
            duration *= 1 + Double.random(in: 0.000_1...0.01, using: &generator)
        }
        #expect(LatencyBins.count == 1_103, "1 µs to 1 h in 2 %-wide bins, plus the two end bins")
    }

    @Test func theEndBinsHoldWhatIsOutsideTheRange() {
        #expect(LatencyBins.bin(of: 0) == 0)
        #expect(LatencyBins.bin(of: 1e-6) == 0)
        #expect(LatencyBins.bin(of: 7_200) == LatencyBins.count - 1)
        #expect(LatencyBins.bin(of: .greatestFiniteMagnitude) == LatencyBins.count - 1)
        #expect(LatencyBins.representative(of: 0) == 0)
        #expect(LatencyBins.representative(of: LatencyBins.count - 1) == .infinity)
    }

    @Test func percentilesAreWithinOnePercentOfTheExactNearestRankAndTheAverageAndMaximumAreExact() {
        var generator = SeededGenerator(state: 42)
        var window = CallWindow(seconds: 300)
        window.advance(to: 1_000)
        var durations: [Double] = []
        for _ in 0..<20_000 {
            // Log-uniform from 1 ms to 20 s: every decade of a webhook's plausible latencies.
            let duration = 0.001 * pow(20_000, Double.random(in: 0...1, using: &generator))
            durations.append(duration)
            window.record(second: 1_000, success: true, authFailure: false, duration: duration)
        }
        let sorted = durations.sorted()
        let latencies = window.latencies()
        for (reported, fraction) in [(latencies.p50, 0.50), (latencies.p95, 0.95), (latencies.p99, 0.99)] {
            let exact = Self.exactPercentile(sorted, fraction)
            #expect(abs(reported - exact) <= exact * LatencyBins.relativeError, "p\(Int(fraction * 100)): \(reported) vs \(exact)")
        }
        #expect(latencies.maximum == sorted.last)
        #expect(abs(latencies.average - durations.reduce(0, +) / Double(durations.count)) < 1e-9)
        #expect(latencies.count == 20_000)
    }

    @Test func aWindowOfOneRepeatedDurationReportsItExactly() {
        var window = CallWindow(seconds: 300)
        window.advance(to: 1_000)
        for _ in 0..<5 { window.record(second: 1_000, success: true, authFailure: false, duration: 0.25) }
        let latencies = window.latencies()
        #expect([latencies.p50, latencies.p95, latencies.p99, latencies.maximum, latencies.average] == [0.25, 0.25, 0.25, 0.25, 0.25],
                "clamped to the exact minimum and maximum")
    }

    @Test func durationsBeyondAnHourReportTheExactMaximum() {
        var window = CallWindow(seconds: 300)
        window.advance(to: 1_000)
        window.record(second: 1_000, success: true, authFailure: false, duration: 0)
        window.record(second: 1_000, success: true, authFailure: false, duration: 5_000)
        window.record(second: 1_000, success: true, authFailure: false, duration: 9_000)
        let latencies = window.latencies()
        #expect(latencies.p50 == 9_000, "both long calls share the overflow bin; its value is the window's maximum")
        #expect(latencies.p99 == 9_000)
        window.record(second: 1_000, success: true, authFailure: false, duration: 0)
        #expect(window.latencies().p50 == 0, "the ≤ 1 µs bin reports the window's minimum")
    }

    @Test func callsSpreadOverEveryBinForTwoWindowsKeepBoundedSlotsAndBins() {
        var generator = SeededGenerator(state: 7)
        var window = CallWindow(seconds: 300)
        for second in Int64(0)..<600 {
            window.advance(to: second)
            for _ in 0..<400 {
                // Log-uniform over 1 µs to 10 000 s: every bin, the end bins included.
                let duration = 1e-6 * pow(1e10, Double.random(in: 0...1, using: &generator))
                window.record(second: second, success: true, authFailure: false, duration: duration)
            }
            #expect(window.countSlotsKept <= 300)
            #expect(window.latencySlotsKept <= CallWindow.latencySlotsPerWindow + 1)
            #expect(window.occupiedLatencyBins <= LatencyBins.count)
        }
        #expect(window.total == 300 * 400, "the counts cover the window to the second")
        #expect(window.occupiedLatencyBins > 1_000, "the durations spread over nearly every bin")
    }

    @Test func aQuietCodeKeepsOneSlotOfEachAndOneBin() {
        var window = CallWindow(seconds: 300)
        window.advance(to: 1_000)
        window.record(second: 1_000, success: false, authFailure: true, duration: 0.2)
        #expect(window.countSlotsKept == 1)
        #expect(window.latencySlotsKept == 1)
        #expect(window.occupiedLatencyBins == 1)
    }

    @Test func callsLeaveThePercentilesWhenTheirLatencySlotLeavesTheWindow() {
        var window = CallWindow(seconds: 60)  // latency slots of 6 s
        window.advance(to: 6_000)
        for _ in 0..<10 { window.record(second: 6_000, success: true, authFailure: false, duration: 9) }
        window.advance(to: 6_030)
        for _ in 0..<10 { window.record(second: 6_030, success: true, authFailure: false, duration: 0.1) }
        #expect(window.latencies().maximum == 9)
        window.advance(to: 6_059)
        #expect(window.total == 20, "6000 is still in the window ending at 6059")
        window.advance(to: 6_060)
        #expect(window.total == 10, "the counts are exact to the second")
        #expect(window.latencies().maximum == 9, "the latency slot 6000–6005 is still partly in the window")
        window.advance(to: 6_065)
        #expect(window.latencies().maximum == 0.1, "its newest second left: its durations went with it")
        #expect(window.latencies().count == 10)
        #expect(window.occupiedLatencyBins == 1)
        window.advance(to: 6_200)
        #expect(window.total == 0)
        #expect(window.latencies() == CallWindow.Latencies())
        #expect(window.occupiedLatencyBins == 0)
    }

    @Test func aLateCallGoesToItsOwnSlotAndLeavesWithIt() {
        var window = CallWindow(seconds: 60)
        window.advance(to: 7_000)
        window.record(second: 7_000, success: true, authFailure: false, duration: 0.1)
        window.advance(to: 7_030)
        window.record(second: 7_030, success: true, authFailure: false, duration: 0.1)
        window.record(second: 7_010, success: false, authFailure: false, duration: 4)  // reported late
        #expect(window.countSlotsKept == 3)
        #expect(window.failed == 1)
        window.advance(to: 7_070)
        #expect(window.failed == 0, "the late call left with second 7010")
        #expect(window.total == 1)
        #expect(window.latencies().maximum == 4, "its latency slot, 7008–7013, is still partly in the window")
        window.advance(to: 7_075)
        #expect(window.latencies().maximum == 0.1)
    }

    @Test(arguments: [1, 5, 6, 7, 59, 1_440])
    func anyWindowKeepsAtMost301CountSlotsAnd11LatencySlots(minutes: Int) {
        let seconds = minutes * 60
        var window = CallWindow(seconds: seconds)
        var most = (counts: 0, latencies: 0)
        for second in stride(from: Int64(0), to: Int64(2 * seconds), by: max(1, seconds / 600)) {
            window.advance(to: second)
            window.record(second: second, success: true, authFailure: false, duration: 0.1)
            most = (max(most.counts, window.countSlotsKept), max(most.latencies, window.latencySlotsKept))
        }
        #expect(most.counts <= 301)
        #expect(most.latencies <= 11)
        #expect(minutes > 5 || window.countSlotSeconds == 1, "windows up to 5 minutes count to the second")
    }

    @Test func longWindowsCountInThreeHundredSlots() {
        var window = CallWindow(seconds: 86_400)
        #expect(window.countSlotSeconds == 288)
        #expect(window.latencySlotSeconds == 8_640)
        for second in stride(from: Int64(0), to: 86_400, by: 7) {
            window.advance(to: second)
            window.record(second: second, success: true, authFailure: false, duration: 0.5)
        }
        #expect(window.countSlotsKept == 300)
        #expect(window.latencySlotsKept == 10)
    }

    @Test func subtractingDropsEmptiedBinsAndKeepsTheRest() {
        var whole = LatencyHistogram()
        var part = LatencyHistogram()
        for bin in [5, 9, 9, 300, 1_101] { whole.add(bin: bin) }
        for bin in [9, 300] { part.add(bin: bin) }
        whole.subtract(part)
        #expect(whole.occupiedBins == 3)
        #expect(whole.bin(atRank: 1) == 5)
        #expect(whole.bin(atRank: 2) == 9)
        #expect(whole.bin(atRank: 3) == 1_101)
        #expect(whole.bin(atRank: 4) == nil)
    }
}
