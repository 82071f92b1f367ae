/// Every applied charged debit by seq, with what has been refunded of it: what `refund` needs forever.
///
/// Columns in seq order (seqs only grow), found by binary search; refunds are rare, so they sit in a sparse map.
/// About 20 bytes per charged debit.
struct ChargedDebitLedger: Sendable {
    private(set) var seqs: [Int64] = []
    private(set) var userSlots: [Int32] = []
    private(set) var amounts: [Int64] = []
    private(set) var refunded: [Int64: Int64] = [:]

    struct Entry {
        var userSlot: Int32
        var charged: Int64
        var refunded: Int64
        var remaining: Int64 { charged - refunded }
    }

    init() {}

    /// Columns decoded in bulk (a snapshot): seqs strictly ascending, one slot and one positive amount per seq.
    init(seqs: [Int64], userSlots: [Int32], amounts: [Int64]) {
        precondition(seqs.count == userSlots.count && seqs.count == amounts.count, "columns of one length")
        self.seqs = seqs
        self.userSlots = userSlots
        self.amounts = amounts
    }

    /// Room for `count` charged debits in each column, so that a replay that knows about how many records follow
    /// fills its columns in place: growing them by doubling touched (page-faulted) and copied ~twice their final
    /// size. Reserved pages that are never written cost no memory.
    mutating func reserveCapacity(_ count: Int) {
        seqs.reserveCapacity(count)
        userSlots.reserveCapacity(count)
        amounts.reserveCapacity(count)
    }

    mutating func append(seq: Int64, userSlot: Int32, charged: Int64) {
        assert(seqs.last.map { $0 < seq } ?? true, "charged debits arrive in seq order")
        seqs.append(seq)
        userSlots.append(userSlot)
        amounts.append(charged)
    }

    func entry(seq: Int64) -> Entry? {
        var low = 0
        var high = seqs.count
        while low < high {
            let middle = (low + high) / 2
            if seqs[middle] < seq { low = middle + 1 } else { high = middle }
        }
        guard low < seqs.count, seqs[low] == seq else { return nil }
        return Entry(userSlot: userSlots[low], charged: amounts[low], refunded: refunded[seq] ?? 0)
    }

    mutating func addRefund(seq: Int64, amount: Int64) {
        refunded[seq, default: 0] &+= amount
    }
}
