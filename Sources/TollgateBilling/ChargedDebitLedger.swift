/// Every applied charged debit by seq, with what has been refunded of it: what `refund` needs forever.
///
/// Rows in seq order (seqs only grow) in a ``PackedSeqTable`` — seq, user slot, charge — found by binary search;
/// refunds are rare, so they sit in a sparse map. Packed because a replay appends one per debit and the kernel's
/// zeroing of this table's fresh pages was the largest cost that grew with the log (docs/billing-decisions.md,
/// "Memory"): a debit of the bench log takes ~4 bytes instead of the 12 of a plain row (the 24 of a wide one).
struct ChargedDebitLedger: Sendable {
    /// Seq (biased), user slot (as its 32 bits) and charge per row.
    private var rows = PackedSeqTable()
    private(set) var refunded: [Int64: Int64] = [:]

    struct Entry: Equatable {
        var seq: Int64
        var userSlot: Int32
        var charged: Int64
        var refunded: Int64
        var remaining: Int64 { charged - refunded }
    }

    init() {}

    /// How many charged debits the ledger holds.
    var count: Int { rows.count }

    /// Room for about `count` charged debits, so that a replay that knows about how many records follow fills the
    /// ledger in place: growing it by doubling touched (page-faulted) and copied ~twice its final size. Reserved
    /// pages that are never written cost no memory.
    mutating func reserveCapacity(_ count: Int) {
        rows.reserveCapacity(count)
    }

    /// The bytes of the packed rows' storage up to the end of its capacity (written and not yet written), for
    /// `body` to tell the kernel how to back them — a replay asks for huge pages over a reserved ledger
    /// (docs/engine.md, "Per-debit tables sized once"). This module makes no system call; the range is only an
    /// address range: nothing in it may be read or written through it, and it is valid only during `body`.
    func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try rows.withReservedBytes(body)
    }

    /// Inlined where a charge is posted: a store into the table's open block.
    @inline(__always)
    mutating func append(seq: Int64, userSlot: Int32, charged: Int64) {
        assert(lastSeq.map { $0 < seq } ?? true, "charged debits arrive in seq order")
        assert(charged > 0, "a charged debit charged something")
        rows.append(
            PackedSeqTable.biased(seq), UInt64(UInt32(bitPattern: userSlot)), UInt64(bitPattern: charged))
    }

    /// The seq of the last entry.
    var lastSeq: Int64? { rows.count == 0 ? nil : PackedSeqTable.unbiased(rows.last0) }

    /// The entry at `index` (0 ..< ``count``), in seq order, without its refunds (a snapshot's section).
    func entry(at index: Int) -> (seq: Int64, userSlot: Int32, charged: Int64) {
        let row = rows.row(at: index)
        return (
            PackedSeqTable.unbiased(row.0), Int32(bitPattern: UInt32(truncatingIfNeeded: row.1)),
            Int64(bitPattern: row.2)
        )
    }

    func entry(seq: Int64) -> Entry? {
        guard let index = rows.index(of: PackedSeqTable.biased(seq)) else { return nil }
        let entry = entry(at: index)
        return Entry(seq: seq, userSlot: entry.userSlot, charged: entry.charged, refunded: refunded[seq] ?? 0)
    }

    mutating func addRefund(seq: Int64, amount: Int64) {
        refunded[seq, default: 0] &+= amount
    }
}
