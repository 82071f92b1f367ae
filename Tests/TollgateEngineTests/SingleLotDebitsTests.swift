import Testing
import TollgateSimulation

@testable import TollgateEngine

/// The journal's single-lot table, bit-packed (docs/accounting.md, "Single-lot debits"): every lookup must be what a
/// plain list gives, with seqs around 2^32 (where rows were once split into narrow and wide) and far beyond.
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

    /// Debit and lot seqs around 2^32.
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

    /// What the packing is for: a replay's single-lot debits (consecutive seqs, lots among 10k grants) take 2 bytes
    /// a row (a 14-bit lot seq, a block header of 2 words per 64 rows), not the plain 8.
    @Test func debitLikeRowsPackSmall() {
        var random = SplitMix64(seed: 3)
        var table = SingleLotDebits()
        let rowCount = 64 * 1_000
        for index in 0..<rowCount {
            table.append(debitSeq: Int64(10_001 + index), lotSeq: Int64.random(in: 1...10_000, using: &random))
        }
        #expect(table.packedSizeBytes == rowCount * 2, "\(table.packedSizeBytes) bytes for \(rowCount) rows")
    }
}
