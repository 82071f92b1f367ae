import Testing
import TollgateSimulation

@testable import TollgateEngine

/// The journal's single-lot table (docs/accounting.md, "Single-lot debits"): 8-byte entries while both seqs are
/// below 2^32, wide entries from the first that is not. Every lookup must be what a plain list gives.
@Suite struct SingleLotDebitsTests {
    static let narrowMax = Int64(UInt32.max)

    static func expectSame(_ table: SingleLotDebits, _ model: [(debitSeq: Int64, lotSeq: Int64)], probes: [Int64]) {
        #expect(table.count == model.count)
        #expect(table.entries.map(\.debitSeq) == model.map(\.debitSeq))
        #expect(table.entries.map(\.lotSeq) == model.map(\.lotSeq))
        for seq in probes {
            #expect(table.lotSeq(ofDebit: seq) == model.first { $0.debitSeq == seq }?.lotSeq, "debit seq \(seq)")
        }
    }

    /// Debit and lot seqs around 2^32: the first entry with either beyond it starts the wide suffix.
    @Test(arguments: [
        (Self.narrowMax - 2, Int64(1)), (Self.narrowMax, Int64(7)), (Self.narrowMax + 1, Int64(7)),
        (Int64(100), Self.narrowMax + 1),
    ])
    func seqsAroundTheNarrowLimit(firstDebitSeq: Int64, firstLotSeq: Int64) {
        var table = SingleLotDebits()
        var model: [(debitSeq: Int64, lotSeq: Int64)] = []
        for offset in [0, 1, 3, 4] as [Int64] {
            let entry = (debitSeq: firstDebitSeq + offset, lotSeq: offset == 1 ? firstLotSeq : offset + 1)
            table.append(debitSeq: entry.debitSeq, lotSeq: entry.lotSeq)
            model.append(entry)
        }
        Self.expectSame(table, model, probes: Array((firstDebitSeq - 2)...(firstDebitSeq + 6)) + [0, Int64.max])
    }

    /// Random tables whose seqs jump across 2^32, against the list.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func randomTablesMatchTheList(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = SingleLotDebits()
        var model: [(debitSeq: Int64, lotSeq: Int64)] = []
        var seq = Int64.random(in: 1...4, using: &random)
        var probes: [Int64] = []
        for _ in 0..<300 {
            let jump = Int64.random(in: 0..<40, using: &random) == 0
            seq += jump ? Int64.random(in: 1...(1 << 31), using: &random) : Int64.random(in: 1...3, using: &random)
            let lotSeq = Int64.random(in: 1...seq, using: &random)
            table.append(debitSeq: seq, lotSeq: lotSeq)
            model.append((seq, lotSeq))
            probes += [seq - 1, seq, seq + 1]
        }
        Self.expectSame(table, model, probes: probes)
    }
}
