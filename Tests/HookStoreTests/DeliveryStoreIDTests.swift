import HookCore
import HookStore
import Testing

/// Delivery ids: their form, their order, their uniqueness.
struct DeliveryStoreIDTests {
    private static let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")

    @Test func anIdIsDlvAnd26LowercaseCrockfordCharacters() {
        var generator = DeliveryRecord.ID.Generator()
        let id = generator.next(at: deliveryT0)
        #expect(id.rawValue.hasPrefix("dlv_"))
        #expect(id.rawValue.count == 30)
        #expect(id.rawValue.dropFirst(4).allSatisfy { Self.alphabet.contains($0) })
        #expect(id.description == id.rawValue)
    }

    @Test func theTimeFieldIsTheMillisecondItWasMadeIn() {
        var generator = DeliveryRecord.ID.Generator()
        #expect(generator.next(at: deliveryT0 + 0.1234).milliseconds == 1_764_000_000_123)
        #expect(DeliveryRecord.ID.smallest(atOrAfter: deliveryT0).milliseconds == 1_764_000_000_000)
    }

    @Test func parsingAcceptsOwnIdsAndUpperCaseAndRefusesTheRest() throws {
        var generator = DeliveryRecord.ID.Generator()
        let id = generator.next(at: deliveryT0)
        #expect(DeliveryRecord.ID(id.rawValue) == id)
        let upper = "dlv_" + id.rawValue.dropFirst(4).uppercased()
        #expect(DeliveryRecord.ID(upper) == id, "upper case is read as the same id")
        for bad in [
            "", "dlv_", "evt_" + id.rawValue.dropFirst(4), String(id.rawValue.dropLast()), id.rawValue + "0",
            "dlv_0000000000000000000000000i", "dlv_0000000000000000000000000l", "dlv_0000000000000000000000000o",
            "dlv_0000000000000000000000000u", "dlv_8000000000000000000000000",
            "dlv_80000000000000000000000000", "DLV_" + id.rawValue.dropFirst(4),
        ] {
            #expect(DeliveryRecord.ID(bad) == nil, "\(bad)")
        }
        #expect(DeliveryRecord.ID("dlv_7zzzzzzzzzzzzzzzzzzzzzzzzz") != nil, "the largest 128-bit value")
    }

    @Test func idsOfOneMillisecondAreStrictlyIncreasing() {
        var generator = DeliveryRecord.ID.Generator()
        var random = SeededRandom(state: 7)
        let ids = (0..<10_000).map { _ in generator.next(at: deliveryT0, using: &random) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.milliseconds == 1_764_000_000_000 })
    }

    @Test func aClockThatStepsBackNeverMakesASmallerId() {
        var generator = DeliveryRecord.ID.Generator()
        let later = generator.next(at: deliveryT0 + 60)
        let earlier = generator.next(at: deliveryT0)
        #expect(later < earlier)
        #expect(earlier.milliseconds == later.milliseconds, "keeps the last time instead of going back")
        let muchLater = generator.next(at: deliveryT0 + 120)
        #expect(earlier < muchLater)
    }

    @Test func aGeneratorContinuesAfterAStoredId() {
        var random = SeededRandom(state: 42)
        var first = DeliveryRecord.ID.Generator()
        let a = first.next(at: deliveryT0, using: &random)
        let b = first.next(at: deliveryT0, using: &random)
        var resumed = DeliveryRecord.ID.Generator(after: a)
        #expect(resumed.next(at: deliveryT0 - 3600, using: &random) == b, "exactly one more than the stored id")
    }

    @Test func freshMillisecondsGetFreshRandomBits() {
        var one = DeliveryRecord.ID.Generator()
        var two = DeliveryRecord.ID.Generator()
        // Two hosts, same millisecond: different ids (80 random bits).
        #expect(one.next(at: deliveryT0) != two.next(at: deliveryT0))
    }

    @Test func theSmallestIdOfAMomentSortsBeforeEveryIdMadeThenOrLater() {
        var generator = DeliveryRecord.ID.Generator()
        let before = generator.next(at: deliveryT0 - 0.001)
        let at = generator.next(at: deliveryT0)
        let bound = DeliveryRecord.ID.smallest(atOrAfter: deliveryT0)
        #expect(before < bound)
        #expect(bound <= at)
    }
}
