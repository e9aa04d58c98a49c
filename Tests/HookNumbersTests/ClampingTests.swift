import HookNumbers
import Testing

struct ClampingTests {
    @Test(arguments: [
        (Double.nan, Int64(0)), (.infinity, .max), (-.infinity, .min), (1e300, .max), (-1e300, .min),
        (9.223372036854775807e18, .max), (-9.223372036854775808e18, .min), (1e19, .max),
        (2.9, 2), (-2.9, -2), (0, 0), (-0.0, 0), (4_611_686_018_427_387_904, 4_611_686_018_427_387_904),
    ])
    func int64ClampsWhatItCannotHold(value: Double, expected: Int64) {
        #expect(Int64(clamping: value) == expected)
    }

    @Test func everyRoundingRuleIsHonoured() {
        #expect(Int(clamping: 2.5, rounding: .down) == 2)
        #expect(Int(clamping: 2.1, rounding: .up) == 3)
        #expect(Int(clamping: -2.5, rounding: .toNearestOrAwayFromZero) == -3)
        #expect(Int(clamping: -2.5, rounding: .down) == -3)
    }

    @Test func narrowAndUnsignedTypesClampToTheirOwnRange() {
        #expect(UInt32(clamping: -1.0) == 0)
        #expect(UInt32(clamping: 5e9) == .max)
        #expect(Int8(clamping: 127.9) == 127)
        #expect(Int8(clamping: -128.9) == -128)
        #expect(UInt64(clamping: 1.8446744073709552e19) == .max)
    }

    @Test func clampedKeepsARangeAndReplacesNaN() {
        #expect(1e300.clamped(to: 0...60, ifNaN: 5) == 60)
        #expect((-Double.infinity).clamped(to: 0...60, ifNaN: 5) == 0)
        #expect(Double.nan.clamped(to: 0...60, ifNaN: 5) == 5)
        #expect(7.5.clamped(to: 0...60, ifNaN: 5) == 7.5)
    }
}
