import Testing

@testable import TollgateBilling

/// The charged-debit ledger, bit-packed (docs/billing-decisions.md, "Memory"): every answer must be what a plain list
/// of (seq, slot, charge) gives, with seqs and charges around 2^32 (where rows were once split into narrow and wide)
/// and far beyond.
@Suite struct ChargedDebitLedgerTests {
    static let narrowMax = Int64(UInt32.max)

    /// A plain model: the entries as appended, found by a linear scan.
    struct Model {
        var entries: [(seq: Int64, userSlot: Int32, charged: Int64)] = []
        func find(_ seq: Int64) -> (seq: Int64, userSlot: Int32, charged: Int64)? {
            entries.first { $0.seq == seq }
        }
    }

    static func expectSame(_ ledger: ChargedDebitLedger, _ model: Model, probes: [Int64]) {
        #expect(ledger.count == model.entries.count)
        for index in model.entries.indices {
            let entry = ledger.entry(at: index)
            let expected = model.entries[index]
            #expect(entry.seq == expected.seq && entry.userSlot == expected.userSlot)
            #expect(entry.charged == expected.charged)
        }
        for seq in probes {
            let found = ledger.entry(seq: seq)
            guard let expected = model.find(seq) else {
                #expect(found == nil, "seq \(seq) is not a charged debit")
                continue
            }
            #expect(found?.seq == seq && found?.userSlot == expected.userSlot && found?.charged == expected.charged,
                    "seq \(seq)")
            #expect(found?.refunded == 0)
        }
    }

    /// Charges around 2^32 millicredits and up to 9e18, in one block: each read back exactly.
    @Test func chargesAroundTheNarrowLimit() {
        var ledger = ChargedDebitLedger()
        var model = Model()
        let charges: [Int64] = [
            1, Self.narrowMax - 1, Self.narrowMax, Self.narrowMax + 1, 1 << 33, 9_000_000_000_000_000, 2,
            Self.narrowMax,
        ]
        for (index, charged) in charges.enumerated() {
            let seq = Int64(index * 3 + 1)
            ledger.append(seq: seq, userSlot: Int32(index % 4), charged: charged)
            model.entries.append((seq, Int32(index % 4), charged))
        }
        Self.expectSame(ledger, model, probes: Array(0...30))
    }

    /// Seqs around 2^32, with charges beyond it: each read back exactly, each found by its seq.
    @Test(arguments: [Self.narrowMax - 3, Self.narrowMax - 1, Self.narrowMax, Self.narrowMax + 1])
    func seqsAroundTheNarrowLimit(firstSeq: Int64) {
        var ledger = ChargedDebitLedger()
        var model = Model()
        for (offset, charged) in [(0, Int64(5)), (1, Self.narrowMax + 7), (2, 1), (4, 1 << 40), (5, 3)] {
            let seq = firstSeq + Int64(offset)
            ledger.append(seq: seq, userSlot: Int32(offset), charged: charged)
            model.entries.append((seq, Int32(offset), charged))
        }
        Self.expectSame(ledger, model, probes: Array((firstSeq - 2)...(firstSeq + 7)) + [0, 1, Int64.max])
    }

    /// Random ledgers whose seqs jump across 2^32 and whose charges straddle it, against the model.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func randomLedgersMatchTheModel(seed: UInt64) {
        var random = BillingSplitMix64(seed: seed)
        var ledger = ChargedDebitLedger()
        var model = Model()
        var seq: Int64 = Int64.random(in: 1...3, using: &random)
        var probes: [Int64] = []
        for _ in 0..<300 {
            let jump = Int64.random(in: 0..<40, using: &random) == 0
            seq += jump ? Int64.random(in: 1...(1 << 31), using: &random) : Int64.random(in: 1...3, using: &random)
            let charged =
                Bool.random(using: &random)
                ? Int64.random(in: 1...1000, using: &random)
                : Self.narrowMax + Int64.random(in: -3...3, using: &random)
            let slot = Int32.random(in: 0..<50, using: &random)
            ledger.append(seq: seq, userSlot: slot, charged: charged)
            model.entries.append((seq, slot, charged))
            probes += [seq - 1, seq, seq + 1]
        }
        Self.expectSame(ledger, model, probes: probes)
    }

    /// Refunds of a debit that charged more than 2^32 millicredits are bounded by its whole charge.
    @Test func refundOfAnOverflowedChargeKeepsTheWholeCharge() {
        var ledger = ChargedDebitLedger()
        ledger.append(seq: 7, userSlot: 2, charged: Self.narrowMax + 10)
        ledger.addRefund(seq: 7, amount: Self.narrowMax)
        #expect(ledger.entry(seq: 7)?.remaining == 10)
        #expect(ledger.entry(seq: 7)?.userSlot == 2)
    }
}

/// The same boundary through the billing rules: a debit of exactly 2^32 millicredits is refundable to the last
/// millicredit and no further, and a replay of it verifies clean.
@Suite struct ChargedDebitOverflowRefundTests {
    @Test(arguments: ["4294967.295", "4294967.296", "4294967.297"])
    func refundsOfALargeCharge(amount: String) {
        var harness = BillingHarness()
        harness.apply(.grant("u", "9000000"))
        harness.apply(.flag(.singleRequestCap(testCredits("9000000"))))
        harness.apply(.flag(.dailyCap(testCredits("9000000"))))
        let debit = harness.apply(.debit("u", amount))
        #expect(debit.status == "applied")
        #expect(debit.amount("charged") == amount)
        #expect(harness.apply(.refund("u", seq: debit.seq!, "4294967")).status == "applied")
        let rest = testCredits(amount).rawValue - 4_294_967_000
        let restText = "0." + String(rest).leftPadded(to: 3)
        #expect(harness.apply(.refund("u", seq: debit.seq!, "0." + String(rest + 1).leftPadded(to: 3))).status
            == "invalid")
        #expect(harness.apply(.refund("u", seq: debit.seq!)).amount("balance_after") == "9000000.000")
        #expect(harness.apply(.refund("u", seq: debit.seq!, restText)).status == "invalid")
        #expect(harness.verify().isEmpty)
        let state = harness.replayed()
        let decoded = try? State.decodeSnapshot(state.snapshotBytes()).get()
        #expect(decoded?.chargedDebits.entry(seq: debit.seq!) == state.chargedDebits.entry(seq: debit.seq!))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
