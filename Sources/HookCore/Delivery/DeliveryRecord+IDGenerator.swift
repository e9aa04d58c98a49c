extension DeliveryRecord.ID {
    /// Makes ids that are strictly increasing for one generator, even within a millisecond or
    /// when the clock steps back.
    ///
    /// The first id of a millisecond gets 80 fresh random bits; each further id in the same
    /// millisecond (or while the clock is behind the last id's time) adds one to the previous
    /// id's 80 bits and keeps its time. So a batch of a thousand deliveries claims in the order it
    /// was enqueued, and an id's time is never earlier than the moment it was made. Not
    /// thread-safe: its owner (the store, under its lock) serializes calls.
    public struct Generator: Sendable {
        private var lastMilliseconds: UInt64 = 0
        private var lastHigh: UInt16 = 0
        private var lastLow: UInt64 = 0
        private var hasLast = false

        /// A generator with no history: its first id takes the clock's time.
        public init() {}

        /// A generator that continues after `last` (the newest id already stored), so ids stay
        /// increasing across a restart even if the clock went back meanwhile.
        public init(after last: DeliveryRecord.ID?) {
            guard let last else { return }
            var bits: [UInt64] = []
            for byte in last.rawValue.utf8.dropFirst(DeliveryRecord.ID.prefix.utf8.count) {
                bits.append(UInt64(max(DeliveryRecord.ID.values[Int(byte)], 0)))
            }
            lastMilliseconds = bits.prefix(10).reduce(0) { $0 << 5 | $1 }
            // 80 bits = 16 characters: the first 3.2 characters' bits are `high`.
            var high: UInt64 = 0
            var low: UInt64 = 0
            for value in bits.dropFirst(10) {
                high = (high << 5 | low >> 59) & 0xFFFF
                low = low << 5 | value
            }
            lastHigh = UInt16(high)
            lastLow = low
            hasLast = true
        }

        /// The next id, made at `secondsSince1970`, with random bits from the system's generator.
        public mutating func next(at secondsSince1970: Double) -> DeliveryRecord.ID {
            var random = SystemRandomNumberGenerator()
            return next(at: secondsSince1970, using: &random)
        }

        /// The next id, made at `secondsSince1970`, with random bits from `random` (tests).
        public mutating func next(at secondsSince1970: Double, using random: inout some RandomNumberGenerator) -> DeliveryRecord.ID {
            let now = DeliveryRecord.ID.milliseconds(secondsSince1970)
            if hasLast, now <= lastMilliseconds {
                // Same millisecond, or the clock went back: one more than the last id.
                let (low, overflow) = lastLow.addingReportingOverflow(1)
                lastLow = low
                if overflow {
                    let (high, highOverflow) = lastHigh.addingReportingOverflow(1)
                    lastHigh = high
                    // 2⁸⁰ ids in one millisecond: borrow the next millisecond instead.
                    if highOverflow { lastMilliseconds += 1 }
                }
            } else {
                lastMilliseconds = now
                lastHigh = UInt16.random(in: .min ... .max, using: &random)
                // Leave headroom so the increments of a busy millisecond never carry into `high`.
                lastLow = UInt64.random(in: .min ... .max, using: &random) >> 1
                hasLast = true
            }
            return DeliveryRecord.ID(milliseconds: lastMilliseconds, high: lastHigh, low: lastLow)
        }
    }
}
