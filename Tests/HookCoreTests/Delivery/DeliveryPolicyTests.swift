import HookCore
import Testing

/// The delivery policy's suites (issue 12), grouped so `swift test --filter Delivery` runs them all.
@Suite("Delivery policy")
enum DeliveryPolicyTests {}

/// SplitMix64: a seeded generator, so a jittered schedule is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Always the same number, to draw the ends of a range exactly.
///
/// The standard library draws from a range by Lemire's multiply-and-reject: 1 gives its lowest
/// value and `UInt64.max` its highest. (0 would be rejected for ever: the draw would never end.)
struct ConstantGenerator: RandomNumberGenerator {
    /// Draws the lowest value of any range.
    static let lowest = ConstantGenerator(value: 1)
    /// Draws the highest value of any range.
    static let highest = ConstantGenerator(value: .max)

    let value: UInt64

    mutating func next() -> UInt64 { value }
}
