/// The one way hookd turns a floating-point number into an integer.
///
/// Swift's `Int(_: Double)` traps on NaN, infinities and values out of range, and numbers reach
/// hookd from upstream servers (`expires_in`, `Retry-After`), callers and the clock. Every such
/// conversion in Sources goes through `init(clamping:rounding:)`: it never traps.
extension FixedWidthInteger {
    /// `value` rounded by `rule`, then clamped to this type's range; NaN becomes 0.
    ///
    /// Callers that must tell an absurd input apart (and report it) check it first; this is the
    /// last line, so that an unchecked number costs a wrong value at worst, never the process.
    @inlinable
    public init(clamping value: Double, rounding rule: FloatingPointRoundingRule = .towardZero) {
        if value.isNaN {
            self = 0
            return
        }
        let rounded = value.rounded(rule)
        // Double(Self.max) rounds up to the next power of two for 64-bit types, so `>=` is the test.
        if rounded >= Double(Self.max) {
            self = .max
        } else if rounded <= Double(Self.min) {
            self = .min
        } else {
            self = Self(rounded)  // in range: cannot trap
        }
    }
}

extension Double {
    /// This number limited to `range`; NaN gives `fallback` (which should lie in `range`).
    ///
    /// For numbers from outside with a documented range: a token lifetime, a Retry-After.
    @inlinable
    public func clamped(to range: ClosedRange<Double>, ifNaN fallback: Double) -> Double {
        isNaN ? fallback : Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
