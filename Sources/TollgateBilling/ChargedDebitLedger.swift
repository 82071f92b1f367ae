/// Every applied charged debit by seq, with what has been refunded of it: what `refund` needs forever.
///
/// Entries in seq order (seqs only grow), found by binary search; refunds are rare, so they sit in a sparse map.
/// Kept narrow because a replay appends one per debit and first-touch page faults of this table were a tenth of
/// `replay --verify`'s CPU (docs/billing-decisions.md, "Memory"): an entry whose seq is below 2^32 takes 12 bytes
/// (seq and charge as `UInt32`, the slot as `Int32`), a charge of 2^32 millicredits or more (4,294,967.296 credits)
/// sits in a sparse map by entry index and leaves 0 in its entry (a charge is never 0). The first entry whose seq
/// is 2^32 or more, and every one after it, is kept wide (24 bytes) instead: the narrow entries are a prefix of the
/// ledger and the wide ones its suffix, so nothing is ever copied to widen.
struct ChargedDebitLedger: Sendable {
    /// One charged debit with seq < 2^32: 12 bytes (stride 12).
    struct NarrowEntry {
        var seq: UInt32
        var userSlot: Int32
        /// The charge, or 0 when it is in ``overflowCharges`` (≥ 2^32 millicredits).
        var charged: UInt32
    }

    /// One charged debit after the first whose seq is ≥ 2^32.
    struct WideEntry {
        var seq: Int64
        var charged: Int64
        var userSlot: Int32
    }

    /// The ledger's prefix (every entry while seqs are below 2^32).
    private var narrow: [NarrowEntry] = []
    /// The ledger's suffix from the first entry with seq ≥ 2^32; empty on any log shorter than 2^32 records.
    private var wide: [WideEntry] = []
    /// Charges of 2^32 millicredits or more by index into `narrow` (whose entry holds 0).
    private var overflowCharges: [Int: Int64] = [:]
    private(set) var refunded: [Int64: Int64] = [:]

    struct Entry: Equatable {
        var seq: Int64
        var userSlot: Int32
        var charged: Int64
        var refunded: Int64
        var remaining: Int64 { charged - refunded }
    }

    /// The largest seq and the largest charge a narrow entry holds as they are.
    static let narrowValueMax = Int64(UInt32.max)

    init() {}

    /// How many charged debits the ledger holds.
    var count: Int { narrow.count + wide.count }

    /// Room for `count` charged debits, so that a replay that knows about how many records follow fills the ledger
    /// in place: growing it by doubling touched (page-faulted) and copied ~twice its final size. Reserved pages
    /// that are never written cost no memory.
    mutating func reserveCapacity(_ count: Int) {
        narrow.reserveCapacity(count)
    }

    /// The bytes of the narrow entries' storage, from the first entry to the end of its capacity (written and not
    /// yet written), for `body` to tell the kernel how to back them — a replay asks for huge pages over a reserved
    /// ledger (docs/engine.md, "Per-debit tables sized once"). This module makes no system call; the range is only
    /// an address range: nothing in it may be read or written through it, and it is valid only during `body`.
    func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try narrow.withReservedBytes(body)
    }

    /// Inlined where a charge is posted: the common entry is one append; anything wider is a call.
    @inline(__always)
    mutating func append(seq: Int64, userSlot: Int32, charged: Int64) {
        assert(lastSeq.map { $0 < seq } ?? true, "charged debits arrive in seq order")
        assert(charged > 0, "a charged debit charged something")
        if wide.isEmpty, seq >= 0, seq <= Self.narrowValueMax, charged > 0, charged <= Self.narrowValueMax {
            narrow.append(
                NarrowEntry(
                    seq: UInt32(truncatingIfNeeded: seq), userSlot: userSlot,
                    charged: UInt32(truncatingIfNeeded: charged)))
        } else {
            appendWide(seq: seq, userSlot: userSlot, charged: charged)
        }
    }

    /// ``append(seq:userSlot:charged:)`` of an entry that is not narrow whole: a charge in the overflow map, or an
    /// entry of the wide suffix.
    @inline(never)
    private mutating func appendWide(seq: Int64, userSlot: Int32, charged: Int64) {
        guard wide.isEmpty, seq >= 0, seq <= Self.narrowValueMax else {
            wide.append(WideEntry(seq: seq, charged: charged, userSlot: userSlot))
            return
        }
        overflowCharges[narrow.count] = charged
        narrow.append(NarrowEntry(seq: UInt32(truncatingIfNeeded: seq), userSlot: userSlot, charged: 0))
    }

    /// The seq of the last entry.
    var lastSeq: Int64? { wide.last.map { $0.seq } ?? narrow.last.map { Int64($0.seq) } }

    /// The entry at `index` (0 ..< ``count``), in seq order, without its refunds (a snapshot's section).
    func entry(at index: Int) -> (seq: Int64, userSlot: Int32, charged: Int64) {
        if index < narrow.count {
            let entry = narrow[index]
            return (Int64(entry.seq), entry.userSlot, charged(narrowIndex: index))
        }
        let entry = wide[index - narrow.count]
        return (entry.seq, entry.userSlot, entry.charged)
    }

    private func charged(narrowIndex index: Int) -> Int64 {
        let stored = narrow[index].charged
        return stored != 0 ? Int64(stored) : overflowCharges[index] ?? 0
    }

    func entry(seq: Int64) -> Entry? {
        if seq >= 0 && seq <= Self.narrowValueMax,
            let index = narrow.sortedIndex(of: UInt32(truncatingIfNeeded: seq), by: \.seq)
        {
            return Entry(
                seq: seq, userSlot: narrow[index].userSlot, charged: charged(narrowIndex: index),
                refunded: refunded[seq] ?? 0)
        }
        guard let index = wide.sortedIndex(of: seq, by: \.seq) else { return nil }
        return Entry(
            seq: seq, userSlot: wide[index].userSlot, charged: wide[index].charged, refunded: refunded[seq] ?? 0)
    }

    mutating func addRefund(seq: Int64, amount: Int64) {
        refunded[seq, default: 0] &+= amount
    }
}
