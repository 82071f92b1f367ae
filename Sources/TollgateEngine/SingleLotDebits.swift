import TollgateBilling

/// (debit seq, lot seq) of the debits that consumed from one purchase lot only — the journal's common case —
/// in debit seq order (debits arrive in seq order), found by binary search when a refund names the debit.
///
/// Packed (``PackedSeqTable``) because a replay appends one per debit and the kernel's zeroing of this table's fresh
/// pages was, with the charged-debit ledger's, the largest cost that grew with the log (docs/accounting.md,
/// "Single-lot debits"): a debit of the bench log takes ~3 bytes instead of the 8 of a plain row.
struct SingleLotDebits: Sendable {
    /// Debit seq (biased) and lot seq (its bit pattern: a seq is positive, so it takes few bits) per row; the third
    /// column is unused (0, no bits).
    private var rows = PackedSeqTable()

    var count: Int { rows.count }

    /// Bytes the packed rows take (tests: what the packing is for).
    var packedSizeBytes: Int { rows.packedSizeBytes }

    /// Room for about `count` debits (a replay's estimate), so the table fills in place instead of doubling.
    mutating func reserveCapacity(_ count: Int) {
        rows.reserveCapacity(count)
    }

    /// The bytes of the packed rows' storage up to its capacity, as an address range to advise the kernel about
    /// (``HugePages/advise(_:)``); not to be read or written through, valid only during `body`.
    func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try rows.withReservedBytes(body)
    }

    /// The debit seq of the last entry.
    var lastDebitSeq: Int64? { rows.count == 0 ? nil : PackedSeqTable.unbiased(rows.last0) }

    @inline(__always)
    mutating func append(debitSeq: Int64, lotSeq: Int64) {
        assert(lastDebitSeq.map { $0 < debitSeq } ?? true, "debits arrive in seq order")
        rows.append(PackedSeqTable.biased(debitSeq), UInt64(bitPattern: lotSeq), 0)
    }

    /// The lot the single-lot debit `debitSeq` consumed from, nil when it is not in the table.
    func lotSeq(ofDebit debitSeq: Int64) -> Int64? {
        rows.index(of: PackedSeqTable.biased(debitSeq)).map { Int64(bitPattern: rows.row(at: $0).1) }
    }

    /// Every entry in order (tests).
    var entries: [(debitSeq: Int64, lotSeq: Int64)] {
        (0..<rows.count).map { index in
            let row = rows.row(at: index)
            return (PackedSeqTable.unbiased(row.0), Int64(bitPattern: row.1))
        }
    }
}
