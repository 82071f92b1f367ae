/// The last ``countMax`` charged amounts of one user, for the anomaly rule, packed as LEB128 varints.
///
/// Typical amounts take 2–3 bytes instead of 8, which keeps a balance-only user well under the per-user memory
/// budget. `sum` is kept alongside so the rule needs no decoding; dropping the oldest amount decodes it and moves
/// `head` past it, and the dropped bytes are reclaimed only when an append would otherwise grow the buffer, so the
/// hot path is a few byte operations and the buffer stays at its initial capacity for typical amounts.
struct RecentCharges: Sendable {
    static let countMax = 20
    /// 20 amounts of 2 bytes (up to 16.383 credits) fit with room to spare; larger amounts grow the buffer.
    static let initialCapacityBytes = 48
    /// The longest LEB128 encoding of an amount.
    static let varintSizeBytesMax = 10

    private(set) var packed: [UInt8] = []
    private(set) var sum: Int64 = 0
    private var head: UInt16 = 0
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

    /// The amounts, oldest first (tests and diagnostics).
    var amounts: [Int64] {
        var result: [Int64] = []
        var index = Int(head)
        while index < packed.count {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = packed[index]
                index += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            result.append(Int64(bitPattern: value))
        }
        return result
    }

    mutating func append(_ amount: Int64) {
        assert(amount > 0, "only charged amounts are kept")
        if Int(storedCount) == Self.countMax {
            var oldest: UInt64 = 0
            var shift: UInt64 = 0
            var index = Int(head)
            while true {
                let byte = packed[index]
                index += 1
                oldest |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            head = UInt16(index)
            sum &-= Int64(bitPattern: oldest)
            storedCount -= 1
        }
        if packed.capacity == 0 {
            packed.reserveCapacity(Self.initialCapacityBytes)
        } else if head > 0 && packed.count + Self.varintSizeBytesMax > packed.capacity {
            packed.removeFirst(Int(head))
            head = 0
        }
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
