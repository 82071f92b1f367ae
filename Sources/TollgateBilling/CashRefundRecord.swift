/// Money given back by the payment provider (`charge.refunded`): the refunded credits leave the user's balance,
/// linked to the purchase they were bought with. The balance may go below zero (the credits were already spent);
/// see docs/purchases.md.
public struct CashRefundRecord: Hashable, Sendable {
    public var eventID: String
    public var attempt: Int64
    public var initiatedBy: String
    /// The user of the purchase.
    public var userID: String
    /// The original purchase's payment id.
    public var paymentID: String
    /// The seq of the original purchase grant.
    public var purchaseSeq: Int64
    /// Credits removed by this refund (the increase of the cumulative refunded amount); > 0.
    public var amount: Millicredits

    public init(
        eventID: String, attempt: Int64, initiatedBy: String, userID: String, paymentID: String, purchaseSeq: Int64,
        amount: Millicredits
    ) {
        self.eventID = eventID; self.attempt = attempt; self.initiatedBy = initiatedBy; self.userID = userID
        self.paymentID = paymentID; self.purchaseSeq = purchaseSeq; self.amount = amount
    }
}
