/// Credits bought through a payment: a grant with source `purchase`, linked to the payment and the event that
/// carried it. Shown as a grant (source `purchase`) in transactions, statements and the audit trail.
public struct PurchaseGrantRecord: Hashable, Sendable {
    public var eventID: String
    /// 1 for the attempt made on delivery; retries count up.
    public var attempt: Int64
    /// Who made the attempt: `webhook` on delivery, `system` for automatic retries, the admin on a replay.
    public var initiatedBy: String
    public var userID: String
    public var paymentID: String
    /// Cents × 10,000; > 0.
    public var amount: Millicredits

    public init(
        eventID: String, attempt: Int64, initiatedBy: String, userID: String, paymentID: String, amount: Millicredits
    ) {
        self.eventID = eventID; self.attempt = attempt; self.initiatedBy = initiatedBy; self.userID = userID
        self.paymentID = paymentID; self.amount = amount
    }
}
