/// The payment part of the state: every stored event (deduplication, retries, dead letters) and every purchase
/// (what a cash refund may remove). Folded from `payment_event`, `purchase_grant`, `cash_refund` and
/// `payment_attempt` records, so it survives restarts and replays exactly.
///
/// Grows with the number of payment events, like the charged-debit ledger grows with debits. Queries sort; no
/// output depends on dictionary order.
struct PaymentLedger: Sendable, Equatable {
    /// After this many failed attempts an event is dead-lettered: no more automatic retries.
    static let failedAttemptCountMax: Int64 = 5

    struct EventEntry: Sendable, Equatable {
        var event: PaymentEvent
        /// The seq of the `payment_event` record.
        var seq: Int64
        var attemptCount: Int64 = 0
        var failedAttemptCount: Int64 = 0
        var lastOutcome: PaymentAttemptOutcome?
        var lastAttemptTime: Timestamp?
        /// The seq of the record that settled the event (purchase grant, cash refund or a settling attempt).
        var settledSeq: Int64?
    }

    struct PurchaseEntry: Sendable, Equatable {
        var userID: String
        /// The seq of the purchase grant.
        var seq: Int64
        var eventID: String
        var amount: Int64
        var cashRefunded: Int64 = 0
    }

    var events: [String: EventEntry] = [:]
    var purchases: [String: PurchaseEntry] = [:]

    var isEmpty: Bool { events.isEmpty && purchases.isEmpty }
}

extension PaymentLedger.EventEntry {
    var isDead: Bool { settledSeq == nil && failedAttemptCount >= PaymentLedger.failedAttemptCountMax }

    var status: PaymentEventStatus {
        if settledSeq != nil { return lastOutcome == nil ? .applied : .settled }
        return isDead ? .dead : .pending
    }
}

/// Where a stored payment event stands.
public enum PaymentEventStatus: String, Sendable, CaseIterable {
    /// Not applied yet; retried automatically.
    case pending
    /// Failed ``PaymentLedger/failedAttemptCountMax`` times; retried only by an operator's replay.
    case dead
    /// Credits granted (purchase) or removed (cash refund).
    case applied
    /// Nothing to do: the payment was already credited, or the refund already removed.
    case settled
}
