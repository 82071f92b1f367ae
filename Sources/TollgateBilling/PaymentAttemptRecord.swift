/// An attempt to apply a payment event that moved no credits: a failure (counted toward the dead letter) or a
/// settlement with nothing to do.
public struct PaymentAttemptRecord: Hashable, Sendable {
    public var eventID: String
    public var attempt: Int64
    public var initiatedBy: String
    public var outcome: PaymentAttemptOutcome

    public init(eventID: String, attempt: Int64, initiatedBy: String, outcome: PaymentAttemptOutcome) {
        self.eventID = eventID; self.attempt = attempt; self.initiatedBy = initiatedBy; self.outcome = outcome
    }
}
