import Testing

@testable import TollgateBilling

/// The bit-packed table under the per-debit tables (``PackedSeqTable``): every row and every lookup must be what a
/// plain list of the rows gives, whatever the values' widths — 0 bits (a constant column) to 64 (extremes in one
/// block) — and wherever a row sits: in a packed block, at a block's edge, or in the open block.
@Suite struct PackedSeqTableTests {
    typealias Row = (UInt64, UInt64, UInt64)

    static func expectSame(_ table: PackedSeqTable, _ rows: [Row], probes: [UInt64]) {
        #expect(table.count == rows.count)
        let mismatches = rows.indices.filter { table.row(at: $0) != rows[$0] }
        #expect(mismatches.isEmpty, "first differing row \(mismatches.first ?? -1) of \(rows.count)")
        if let last = rows.last { #expect(table.last0 == last.0) }
        var indexByValue: [UInt64: Int] = [:]
        for (index, row) in rows.enumerated() { indexByValue[row.0] = index }
        for probe in probes {
            #expect(table.index(of: probe) == indexByValue[probe], "probe \(probe)")
        }
    }

    /// Random tables of every size around the block's 64 rows, with steps, columns and widths drawn per table.
    @Test(arguments: 0..<24 as Range<UInt64>)
    func randomTablesMatchTheList(seed: UInt64) {
        var random = BillingSplitMix64(seed: seed)
        let rowCount = [0, 1, 63, 64, 65, 127, 128, 129, 1_000, 3_333][Int(seed % 10)]
        let stepMax = [UInt64(1), 3, 1 << 20, 1 << 40][Int.random(in: 0..<4, using: &random)]
        let valueMax = [UInt64(0), 1, 999, 1 << 32, UInt64.max][Int.random(in: 0..<5, using: &random)]
        var table = PackedSeqTable()
        if Bool.random(using: &random) { table.reserveCapacity(rowCount) }
        var rows: [Row] = []
        var probes: [UInt64] = [0, UInt64.max]
        var value0 = UInt64.random(in: 0...(1 << 62), using: &random)
        for _ in 0..<rowCount {
            value0 += UInt64.random(in: 1...stepMax, using: &random)
            let row = (
                value0, UInt64.random(in: 0...valueMax, using: &random),
                UInt64.random(in: 0...valueMax, using: &random)
            )
            table.append(row.0, row.1, row.2)
            rows.append(row)
            probes += [value0 - 1, value0, value0 + 1]
        }
        Self.expectSame(table, rows, probes: probes)
    }

    /// The extremes in one block: first column from 0 to `UInt64.max − 1` (a 64-bit width), the others alternating
    /// between 0 and `UInt64.max`, so rows straddle word boundaries at every offset; then `UInt64.max` in the open
    /// block.
    @Test func sixtyFourBitWidths() {
        var table = PackedSeqTable()
        var rows: [Row] = []
        for index in 0...64 {
            let value0: UInt64 = index == 63 ? UInt64.max - 1 : index == 64 ? UInt64.max : UInt64(index) * 7
            let row: Row = (value0, index % 2 == 0 ? 0 : UInt64.max, index % 3 == 0 ? UInt64.max : 5)
            table.append(row.0, row.1, row.2)
            rows.append(row)
        }
        Self.expectSame(table, rows, probes: [0, 7, 8, 434, 441, UInt64.max - 2, UInt64.max - 1, UInt64.max, 1 << 63])
    }

    /// Signed values kept through ``PackedSeqTable/biased(_:)``: order preserved, round trip exact.
    @Test func biasedValuesKeepTheirOrder() {
        let values: [Int64] = [Int64.min, -1_000, -1, 0, 1, 4_294_967_296, Int64.max]
        #expect(values.map(PackedSeqTable.biased).sorted() == values.map(PackedSeqTable.biased))
        #expect(values.map { PackedSeqTable.unbiased(PackedSeqTable.biased($0)) } == values)
        var table = PackedSeqTable()
        for (index, value) in values.enumerated() { table.append(PackedSeqTable.biased(value), UInt64(index), 0) }
        for (index, value) in values.enumerated() {
            #expect(table.index(of: PackedSeqTable.biased(value)) == index)
            #expect(PackedSeqTable.unbiased(table.row(at: index).0) == value)
        }
    }

    /// What it is for: rows like a replay's charged debits (consecutive seqs, slots of 10k users, charges under a
    /// credit) pack to 3¼ bytes a row (24 bits and a block header of 2 words per 64 rows), not the plain 12.
    @Test func debitLikeRowsPackSmall() {
        var random = BillingSplitMix64(seed: 5)
        var table = PackedSeqTable()
        let rowCount = 64 * 1_000
        for index in 0..<rowCount {
            table.append(
                UInt64(10_001 + index), UInt64.random(in: 0..<10_000, using: &random),
                UInt64.random(in: 1...999, using: &random))
        }
        #expect(table.packedSizeBytes == rowCount * 13 / 4, "\(table.packedSizeBytes) bytes for \(rowCount) rows")
    }
}
