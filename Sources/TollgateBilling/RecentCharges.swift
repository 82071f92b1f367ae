/// The last ``countMax`` charged amounts of one user, for the anomaly rule: inline while they are small, packed as
/// LEB128 varints in a heap buffer once one is not.
///
/// Inline (every kept amount below 2^16 millicredits, 65.535 credits; the single-request cap defaults to 50
/// credits): a ring of 20 `UInt16` inside the account, so that a charged debit's append and the rule's read touch
/// no cache line outside the account (a verified replay's per-debit misses, docs/billing-decisions.md "Memory").
/// The first larger amount moves the kept amounts to the heap buffer for good (typical amounts take 2–3 bytes there
/// instead of 8; dropping the oldest decodes it and moves `head` past it, and the dropped bytes are reclaimed only
/// when an append would otherwise grow the buffer). `sum` is kept alongside so the rule needs no decoding.
struct RecentCharges: Sendable {
    static let countMax = 20
    /// Amounts below this are kept in the inline ring.
    static let inlineAmountLimit: Int64 = 1 << 16
    /// 20 amounts of 2 bytes (up to 16.383 credits) fit with room to spare; larger amounts grow the buffer.
    static let initialCapacityBytes = 48
    /// The longest LEB128 encoding of an amount.
    static let varintSizeBytesMax = 10

    private(set) var sum: Int64 = 0
    /// The varints once ``isPacked``; empty (no allocation) before.
    private var packed: [UInt8] = []
    /// The amounts while not ``isPacked``: the oldest at `head`, then the next `storedCount − 1` (mod 20).
    private var ring = InlineArray<20, UInt16>(repeating: 0)
    /// The oldest amount: an index into `ring`, or a byte offset into `packed` once packed.
    private var head: UInt16 = 0
    private var storedCount: UInt8 = 0
    /// Some kept amount was 2^16 or more: the amounts live in `packed` from then on.
    private(set) var isPacked = false

    /// min(n, 20) where n is the number of earlier charged debits.
    var count: Int { Int(storedCount) }

    /// The anomaly rule: n ≥ 5 earlier charged debits and amount × min(n, 20) > 5 × S (integers, no division).
    /// Amounts are ≤ 9e15 mc, so 20 × 9e15 and 5 × 20 × 9e15 fit in Int64.
    func isAnomaly(_ amount: Int64) -> Bool {
        let n = Int64(storedCount)
        guard n >= 5 else { return false }
        return amount &* n > 5 &* sum
    }

    /// The amounts, oldest first (snapshots, tests and diagnostics).
    var amounts: [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(Int(storedCount))
        if !isPacked {
            var index = Int(head)
            for _ in 0..<Int(storedCount) {
                result.append(Int64(ring[index]))
                index = index + 1 == Self.countMax ? 0 : index + 1
            }
            return result
        }
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
        assert(result.count == Int(storedCount))
        return result
    }

    mutating func append(_ amount: Int64) {
        assert(amount > 0, "only charged amounts are kept")
        assert(ring.count == Self.countMax, "the ring holds countMax amounts")
        if !isPacked {
            if amount < Self.inlineAmountLimit {
                appendInline(UInt16(truncatingIfNeeded: amount))
                return
            }
            pack()
        }
        appendPacked(amount)
    }

    private mutating func appendInline(_ amount: UInt16) {
        let count = Int(storedCount)
        let oldest = Int(head)
        if count == Self.countMax {
            // Full: the new amount takes the oldest's entry, and the next entry becomes the oldest.
            sum &-= Int64(ring[oldest])
            ring[oldest] = amount
            head = oldest + 1 == Self.countMax ? 0 : UInt16(oldest + 1)
        } else {
            let tail = oldest + count < Self.countMax ? oldest + count : oldest + count - Self.countMax
            ring[tail] = amount
            storedCount += 1
        }
        sum &+= Int64(amount)
    }

    /// Moves the inline amounts, oldest first, to `packed` (once: a user's first charge of 2^16 millicredits or more).
    private mutating func pack() {
        assert(!isPacked)
        let kept = amounts
        packed.reserveCapacity(Self.initialCapacityBytes)
        for amount in kept { Self.writeVarint(amount, into: &packed) }
        head = 0
        isPacked = true
    }

    private static func writeVarint(_ amount: Int64, into bytes: inout [UInt8]) {
        var rest = UInt64(bitPattern: amount)
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func appendPacked(_ amount: Int64) {
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
        Self.writeVarint(amount, into: &packed)
        sum &+= amount
        storedCount += 1
        assert(Int(storedCount) <= Self.countMax)
    }
}
