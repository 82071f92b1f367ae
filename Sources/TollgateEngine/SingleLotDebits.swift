/// (debit seq, lot seq) of the debits that consumed from one purchase lot only — the journal's common case —
/// in debit seq order (debits arrive in seq order), found by binary search when a refund names the debit.
///
/// Kept narrow because a replay appends one per debit and first-touch page faults of this table were a sixth of
/// `replay --verify`'s faults (docs/accounting.md, "Single-lot debits"): while both seqs are below 2^32 an entry
/// takes 8 bytes; the first entry with a seq of 2^32 or more, and every one after it, is kept wide (16 bytes), so
/// the narrow entries are a prefix of the table and the wide ones its suffix and nothing is ever copied to widen.
struct SingleLotDebits: Sendable {
    private struct NarrowEntry {
        var debitSeq: UInt32
        var lotSeq: UInt32
    }

    private var narrow: [NarrowEntry] = []
    /// The suffix from the first entry with a seq ≥ 2^32; empty on any log shorter than 2^32 records.
    private var wide: [(debitSeq: Int64, lotSeq: Int64)] = []

    /// The largest seq a narrow entry holds.
    static let narrowSeqMax = Int64(UInt32.max)

    var count: Int { narrow.count + wide.count }

    /// Room for `count` debits (a replay's estimate), so the table fills in place instead of doubling.
    mutating func reserveCapacity(_ count: Int) {
        narrow.reserveCapacity(count)
    }

    /// The bytes of the narrow entries' storage up to its capacity, as an address range to advise the kernel about
    /// (``HugePages/advise(_:)``); not to be read or written through, valid only during `body`.
    func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try narrow.withReservedBytes(body)
    }

    /// The debit seq of the last entry.
    var lastDebitSeq: Int64? { wide.last.map { $0.debitSeq } ?? narrow.last.map { Int64($0.debitSeq) } }

    @inline(__always)
    mutating func append(debitSeq: Int64, lotSeq: Int64) {
        assert(lastDebitSeq.map { $0 < debitSeq } ?? true, "debits arrive in seq order")
        if wide.isEmpty, debitSeq >= 0, debitSeq <= Self.narrowSeqMax, lotSeq >= 0, lotSeq <= Self.narrowSeqMax {
            narrow.append(
                NarrowEntry(debitSeq: UInt32(truncatingIfNeeded: debitSeq), lotSeq: UInt32(truncatingIfNeeded: lotSeq)))
        } else {
            wide.append((debitSeq, lotSeq))
        }
    }

    /// The lot the single-lot debit `debitSeq` consumed from, nil when it is not in the table.
    func lotSeq(ofDebit debitSeq: Int64) -> Int64? {
        if debitSeq >= 0 && debitSeq <= Self.narrowSeqMax,
            let index = narrow.sortedIndex(of: UInt32(truncatingIfNeeded: debitSeq), by: \.debitSeq)
        {
            return Int64(narrow[index].lotSeq)
        }
        return wide.sortedIndex(of: debitSeq, by: \.debitSeq).map { wide[$0].lotSeq }
    }

    /// Every entry in order (tests).
    var entries: [(debitSeq: Int64, lotSeq: Int64)] {
        narrow.map { (Int64($0.debitSeq), Int64($0.lotSeq)) } + wide
    }
}
