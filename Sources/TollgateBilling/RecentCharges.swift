/// The last ``countMax`` charged amounts of one user, for the anomaly rule, packed as LEB128 varints.
///
/// Typical amounts take 2–3 bytes instead of 8, which keeps a balance-only user well under the per-user memory
/// budget. `sum` is kept alongside so the rule needs no decoding; only the dropped oldest amount is decoded.
struct RecentCharges: Sendable {
    static let countMax = 20

    private(set) var packed: [UInt8] = []
    private(set) var sum: Int64 = 0
    private var storedCount: UInt8 = 0

    /// min(n, 20) where n is the number of earlier charged debits.
    var count: Int { Int(storedCount) }

    /// The anomaly rule: n ≥ 5 earlier charged debits and amount × min(n, 20) > 5 × S (integers, no division).
    /// Amounts are ≤ 9e15 mc, so 20 × 9e15 and 5 × 20 × 9e15 fit in Int64.
    func isAnomaly(_ amount: Int64) -> Bool {
        let n = Int64(storedCount)
        guard n >= 5 else { return false }
        return amount &* n > 5 &* sum
    }

    mutating func append(_ amount: Int64) {
        assert(amount > 0, "only charged amounts are kept")
        if Int(storedCount) == Self.countMax {
            var oldest: UInt64 = 0
            var shift: UInt64 = 0
            var length = 0
            while true {
                let byte = packed[length]
                oldest |= UInt64(byte & 0x7f) << shift
                length += 1
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            packed.removeFirst(length)
            sum &-= Int64(bitPattern: oldest)
            storedCount -= 1
        }
        if packed.capacity == 0 { packed.reserveCapacity(48) }
        var rest = UInt64(bitPattern: amount)
        while rest >= 0x80 {
            packed.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        packed.append(UInt8(rest))
        sum &+= amount
        storedCount += 1
        assert(Int(storedCount) <= Self.countMax)
    }
}
