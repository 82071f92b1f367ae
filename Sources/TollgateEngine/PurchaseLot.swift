import TollgateBilling

/// Purchased credits as one unit of cash: a purchase grant (its seq names the lot), the credits still unconsumed,
/// and the cash returned. Debits consume lots oldest first (docs/accounting.md).
///
/// Field order: what a debit reads — the remaining credits, then the seq — first, so that a pool's oldest lot is
/// read from the same cache line as its array's count (`AccountingPool.takeFromOpenLot`: the lot's remaining credits
/// sat 64 bytes into the buffer, one cache miss more per debit of a replay's journal).
public struct PurchaseLot: Hashable, Sendable {
    /// Not yet consumed: the part of the lot still in deferred revenue.
    public var remainingMillicredits: Int64
    public var seq: Int64
    public var paymentID: String?
    /// The credits bought, in millicredits (= their cash value in micro-dollars).
    public var purchasedMillicredits: Int64
    /// Cash given back by cash refunds.
    public var cashRefundedMillicredits: Int64 = 0

    public init(seq: Int64, paymentID: String?, purchasedMillicredits: Int64) {
        precondition(purchasedMillicredits > 0, "a lot holds credits")
        self.seq = seq; self.paymentID = paymentID
        self.purchasedMillicredits = purchasedMillicredits; self.remainingMillicredits = purchasedMillicredits
    }

    /// Consumed and still paid for: the most a refund of a debit can give back to this lot.
    public var consumedPaidMillicredits: Int64 {
        purchasedMillicredits - cashRefundedMillicredits - remainingMillicredits
    }

    func assertInvariants() {
        assert(remainingMillicredits >= 0 && cashRefundedMillicredits >= 0 && consumedPaidMillicredits >= 0)
    }
}
