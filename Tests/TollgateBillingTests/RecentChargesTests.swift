import Testing

@testable import TollgateBilling

/// The last 20 charges packed as varints (docs/billing-decisions.md, "Memory"): whatever the amounts' varint lengths,
/// the buffer drops the oldest, reclaims dropped bytes and grows so that its amounts, sum and count are the plain
/// list's.
@Suite struct RecentChargesTests {
    /// Amounts whose LEB128 encodings take `bytes` bytes (1–9; 10 for the largest amounts).
    static func amount(bytes: Int, using random: inout BillingSplitMix64) -> Int64 {
        let low: Int64 = bytes == 1 ? 1 : Int64(1) << (7 * (bytes - 1))
        let high: Int64 = bytes >= 9 ? Int64.max : (Int64(1) << (7 * bytes)) - 1
        return Int64.random(in: low...high, using: &random)
    }

    static func expectSame(_ recent: RecentCharges, _ all: [Int64], _ context: String) {
        let expected = Array(all.suffix(RecentCharges.countMax))
        #expect(recent.amounts == expected, "\(context)")
        #expect(recent.count == expected.count)
        #expect(recent.sum == expected.reduce(0, &+))
        for probe: Int64 in [1, 1000, Int64.max / 100] {
            let n = Int64(expected.count)
            #expect(recent.isAnomaly(probe) == (n >= 5 && probe &* n > 5 &* expected.reduce(0, &+)))
        }
    }

    /// Streams whose amounts change length (1 to 9 bytes) in runs, so the buffer drops amounts of every length,
    /// reclaims dropped bytes at every offset and grows.
    @Test(arguments: 0..<12 as Range<UInt64>)
    func packedMatchesTheLastTwentyAmounts(seed: UInt64) {
        var random = BillingSplitMix64(seed: seed)
        var recent = RecentCharges()
        var all: [Int64] = []
        var bytes = 1 + Int(seed % 3)
        for step in 0..<400 {
            if Int.random(in: 0..<15, using: &random) == 0 { bytes = Int.random(in: 1...9, using: &random) }
            let amount =
                Int.random(in: 0..<25, using: &random) == 0
                ? Int64(9_000_000_000_000_000) : Self.amount(bytes: bytes, using: &random)
            recent.append(amount)
            all.append(amount)
            Self.expectSame(recent, all, "seed \(seed) step \(step)")
        }
    }

    /// Twenty amounts of the longest varint an amount has (9 bytes, from 2^56) after small ones: the buffer grows
    /// and keeps them in order.
    @Test func largestAmountsGrowTheBuffer() {
        var recent = RecentCharges()
        var all: [Int64] = []
        for amount in [Int64](repeating: 3, count: 25) + (0..<45).map({ Int64.max - $0 }) {
            recent.append(amount)
            all.append(amount)
        }
        Self.expectSame(recent, all, "largest")
    }

    /// Amounts below 2^16 stay in the inline ring however often it wraps; the first amount of 2^16 or more moves the
    /// kept ones, in order, to the packed buffer, which keeps later small amounts too.
    @Test(arguments: [0, 3, 19, 20, 21, 47])
    func inlineRingThenPacked(smallCount: Int) {
        var recent = RecentCharges()
        var all: [Int64] = []
        for step in 0..<smallCount {
            let amount = Int64(step % 3 == 0 ? 65_535 : step + 1)
            recent.append(amount)
            all.append(amount)
            Self.expectSame(recent, all, "small \(step)")
            #expect(!recent.isPacked)
        }
        recent.append(65_536)
        all.append(65_536)
        Self.expectSame(recent, all, "first large after \(smallCount)")
        #expect(recent.isPacked)
        for step in 0..<30 {
            let amount = Int64(step * 7 + 1)
            recent.append(amount)
            all.append(amount)
            Self.expectSame(recent, all, "after large \(step)")
        }
    }
}
