#if canImport(Glibc)
import Glibc
#endif

/// The two clocks hookd reads: wall time for records shared across hosts and audit lines,
/// monotonic time for TTLs (immune to clock steps).
enum SystemClock {
    static func wallSeconds() -> Double { seconds(CLOCK_REALTIME) }
    static func monotonicSeconds() -> Double { seconds(CLOCK_MONOTONIC) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
