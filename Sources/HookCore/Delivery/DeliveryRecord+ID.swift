extension DeliveryRecord {
    /// A delivery's id: `dlv_` and 26 lowercase Crockford base32 characters, ULID-like — 48 bits
    /// of milliseconds since 1970, then 80 bits that are random for the first id of a millisecond
    /// and incremented for the next ones (see `Generator`).
    ///
    /// Ids sort as text in the order they were made, so the queue pages and claims by id alone,
    /// and they are unique without a coordinator, so a fleet's hosts never collide. The same value
    /// is the `webhook-id` header a receiver de-duplicates on.
    public struct ID: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The canonical text, e.g. `dlv_01jdq8w3m5x0k2v7b9c4n6r8tq`.
        public let rawValue: String

        /// The prefix every delivery id carries.
        public static let prefix = "dlv_"
        /// Crockford's base32 alphabet (no I, L, O, U), lowercase; in ASCII order, so text order
        /// is numeric order.
        static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        /// Each byte's value in `alphabet` (upper case too), -1 for bytes outside it: parsing
        /// is a table look-up per character, as ids are read back for every row.
        static let values: [Int8] = {
            var table = [Int8](repeating: -1, count: 256)
            for (value, byte) in alphabet.enumerated() {
                table[Int(byte)] = Int8(value)
                if byte >= UInt8(ascii: "a") { table[Int(byte - 32)] = Int8(value) }
            }
            return table
        }()

        /// Parses an id as a caller sends it (`delivery.get {delivery_id}`); upper case is
        /// accepted and stored lower case.
        /// - Returns: nil unless it is `dlv_` and 26 base32 characters whose first is 0–7 (the
        ///   128-bit range).
        public init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard bytes.count == Self.prefix.utf8.count + 26, bytes.starts(with: Self.prefix.utf8) else { return nil }
            var canonical = Array(Self.prefix.utf8)
            canonical.reserveCapacity(bytes.count)
            for byte in bytes.dropFirst(Self.prefix.utf8.count) {
                let value = Self.values[Int(byte)]
                guard value >= 0 else { return nil }
                canonical.append(Self.alphabet[Int(value)])
            }
            guard canonical[Self.prefix.utf8.count] <= UInt8(ascii: "7") else { return nil }
            rawValue = canonical == bytes ? text : String(decoding: canonical, as: UTF8.self)
        }

        /// The id made from a millisecond timestamp and 80 further bits.
        init(milliseconds: UInt64, high: UInt16, low: UInt64) {
            var bytes = Array(Self.prefix.utf8)
            bytes.reserveCapacity(Self.prefix.utf8.count + 26)
            // 48 bits of time in 10 characters (the first holds the top 2 bits, always 0 here),
            // then 80 bits in exactly 16.
            for shift in stride(from: 45, through: 0, by: -5) {
                bytes.append(Self.alphabet[Int((milliseconds & 0xFFFF_FFFF_FFFF) >> UInt64(shift) & 31)])
            }
            for shift in stride(from: 75, through: 0, by: -5) {
                let chunk: UInt64 = if shift >= 64 {
                    UInt64(high) >> UInt64(shift - 64)
                } else if shift > 59 {
                    // 5 bits straddling the two halves.
                    (low >> UInt64(shift)) | (UInt64(high) << UInt64(64 - shift))
                } else {
                    low >> UInt64(shift)
                }
                bytes.append(Self.alphabet[Int(chunk & 31)])
            }
            rawValue = String(decoding: bytes, as: UTF8.self)
        }

        /// The smallest possible id of the millisecond containing `secondsSince1970` (clamped to
        /// 1970…year 10889): every id made at or after that time sorts at or after it, which
        /// lets `list(since:)` seek instead of scan.
        public static func smallest(atOrAfter secondsSince1970: Double) -> ID {
            ID(milliseconds: milliseconds(secondsSince1970), high: 0, low: 0)
        }

        /// Milliseconds since 1970 as the id's time field holds them: rounded down, clamped to
        /// 0…2⁴⁸−1, NaN as 0.
        static func milliseconds(_ secondsSince1970: Double) -> UInt64 {
            let milliseconds = (secondsSince1970 * 1000).rounded(.down)
            guard milliseconds > 0 else { return 0 }
            return milliseconds >= 0xFFFF_FFFF_FFFF ? 0xFFFF_FFFF_FFFF : UInt64(milliseconds)
        }

        /// The time field: milliseconds since 1970. Never earlier than the moment the id was made.
        public var milliseconds: UInt64 {
            var value: UInt64 = 0
            for byte in rawValue.utf8.dropFirst(Self.prefix.utf8.count).prefix(10) {
                value = value << 5 | UInt64(max(Self.values[Int(byte)], 0))
            }
            return value
        }

        public static func < (lhs: ID, rhs: ID) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String { rawValue }
    }
}
