import TollgateBilling

/// One user's credits as the journal sees them: free credits (admin, promo, adjustment grants; no cash), purchased
/// lots in seq order, and the overdraft (consumption no credit covered yet).
///
/// Invariant: free + Σ lot remaining − overdraft = the user's billing balance, and an overdraft never coexists
/// with free or purchased credits (a credit arriving while overdrawn settles the overdraft at once).
public struct AccountingPool: Hashable, Sendable {
    public internal(set) var freeMillicredits: Int64 = 0
    /// Oldest first.
    public internal(set) var lots: [PurchaseLot] = []
    public internal(set) var overdraftMillicredits: Int64 = 0
    /// Lots before this index have nothing left (a refund may move it back).
    var firstOpenLot = 0
    /// The overdraft by origin, oldest first: which debit's consumption is still uncovered (nil: a cash refund's).
    var uncovered: [UncoveredDebt] = []

    struct UncoveredDebt: Hashable, Sendable {
        var debitSeq: Int64?
        var millicredits: Int64
    }

    /// free + Σ lot remaining − overdraft.
    public var balanceMillicredits: Int64 {
        var total = freeMillicredits &- overdraftMillicredits
        for lot in lots { total &+= lot.remainingMillicredits }
        return total
    }

    /// Σ lot remaining: the cash value still in deferred revenue.
    public var unconsumedPurchasedMillicredits: Int64 {
        lots.reduce(0) { $0 &+ $1.remainingMillicredits }
    }

    /// Takes `millicredits` (> 0) from the oldest open lot and returns that lot's seq — when the pool has no free
    /// credits and that lot alone holds the charge (a debit's common case: exactly what the journal's general draw
    /// does then). Otherwise changes nothing and returns nil.
    mutating func takeFromOpenLot(millicredits: Int64) -> Int64? {
        assert(millicredits > 0)
        guard freeMillicredits == 0, firstOpenLot < lots.count else { return nil }
        let index = firstOpenLot
        let remaining = lots[index].remainingMillicredits
        guard remaining >= millicredits else { return nil }
        lots[index].remainingMillicredits = remaining - millicredits
        if remaining == millicredits { firstOpenLot += 1 }
        return lots[index].seq
    }

    /// The index of the lot `seq` (lots are in seq order).
    func lotIndex(seq: Int64) -> Int? {
        var low = 0
        var high = lots.count
        while low < high {
            let middle = (low + high) / 2
            if lots[middle].seq < seq { low = middle + 1 } else { high = middle }
        }
        return low < lots.count && lots[low].seq == seq ? low : nil
    }
}
