/// One record body of the billing log: a command as decided (canonical fields, `at` always nil: the decision time is
/// the record's time, stored by the log) together with its outcome.
///
/// `fold` applies the outcome without re-deciding; the verifier re-decides the command from the state before it and
/// compares. Rejected decisions are records too; invalid and duplicate commands never are.
/// The byte layout is in docs/record-format.md (``encodeBody(into:)``, ``decode(typeTag:body:)``).
public enum LedgerRecord: Hashable, Sendable {
    case grant(GrantRecord)
    case debit(DebitRecord)
    case refund(RefundRecord)
    case setFlag(Command.SetFlag)
    case clearFlag(Command.ClearFlag)
    case definePlan(Command.DefinePlan)
    case subscribe(Command.Subscribe)
    case setOverride(Command.SetOverride)
    case clearOverride(Command.ClearOverride)
    case consume(ConsumeRecord)
    case suspend(Command.AccountAction)
    case reinstate(Command.AccountAction)
    case setUserLimits(Command.SetUserLimits)
    /// The circuit breaker's automatic suspension (`initiated_by:"system"`, `reason:"circuit_breaker"`), appended
    /// right after the debit whose anomaly tripped it. A kind of its own, so that a `suspend` command that merely
    /// names `system` as initiator can never pass for one.
    case breakerSuspension(userID: String)
    /// A verified payment event as stored before anything else happens (its parsed fields, never the payload).
    case paymentEvent(PaymentEvent)
    /// Credits bought: always right after its `payment_event`, or the record of a retry.
    case purchaseGrant(PurchaseGrantRecord)
    /// Credits removed by a cash refund of a purchase.
    case cashRefund(CashRefundRecord)
    /// An attempt at a payment event that moved no credits (failure or settlement).
    case paymentAttempt(PaymentAttemptRecord)

    /// The type tag of the record body. Tags are per layout version: version 1 uses 1…18 (15…18: payments); a
    /// new layout of a kind takes a new tag and decoders keep reading the old one.
    public var typeTag: UInt8 { kind.rawValue }

    var kind: LedgerRecordKind {
        switch self {
        case .grant: .grant
        case .debit: .debit
        case .refund: .refund
        case .setFlag: .setFlag
        case .clearFlag: .clearFlag
        case .definePlan: .definePlan
        case .subscribe: .subscribe
        case .setOverride: .setOverride
        case .clearOverride: .clearOverride
        case .consume: .consume
        case .suspend: .suspend
        case .reinstate: .reinstate
        case .setUserLimits: .setUserLimits
        case .breakerSuspension: .breakerSuspension
        case .paymentEvent: .paymentEvent
        case .purchaseGrant: .purchaseGrant
        case .cashRefund: .cashRefund
        case .paymentAttempt: .paymentAttempt
        }
    }

    /// The user the record concerns directly (nil for flags and plans).
    public var userID: String? {
        switch self {
        case .grant(let r): r.command.userID
        case .debit(let r): r.command.userID
        case .refund(let r): r.command.userID
        case .setFlag, .clearFlag, .definePlan: nil
        case .subscribe(let c): c.userID
        case .setOverride(let c): c.userID
        case .clearOverride(let c): c.userID
        case .consume(let r): r.command.userID
        case .suspend(let c): c.userID
        case .reinstate(let c): c.userID
        case .setUserLimits(let c): c.userID
        case .breakerSuspension(let userID): userID
        case .paymentEvent(let e): e.userID
        case .purchaseGrant(let r): r.userID
        case .cashRefund(let r): r.userID
        case .paymentAttempt: nil
        }
    }

    /// The rejection code, nil when the record is applied.
    public var rejection: RejectionCode? {
        switch self {
        case .grant(let r): r.rejection
        case .debit(let r): r.rejection
        case .refund(let r): r.rejection
        case .consume(let r): r.rejection
        default: nil
        }
    }

    /// The command this record decided, as the verifier re-decides it (nil for the breaker's suspension, which is
    /// the second record of a debit's decision).
    public var command: Command? {
        switch self {
        case .grant(let r): .grant(r.command)
        case .debit(let r): .debit(r.command)
        case .refund(let r): .refund(r.command)
        case .setFlag(let c): .setFlag(c)
        case .clearFlag(let c): .clearFlag(c)
        case .definePlan(let c): .definePlan(c)
        case .subscribe(let c): .subscribe(c)
        case .setOverride(let c): .setOverride(c)
        case .clearOverride(let c): .clearOverride(c)
        case .consume(let r): .consume(r.command)
        case .suspend(let c): .suspend(c)
        case .reinstate(let c): .reinstate(c)
        case .setUserLimits(let c): .setUserLimits(c)
        case .breakerSuspension: nil
        case .paymentEvent(let e): .paymentEvent(Command.PaymentDelivery(event: e))
        // An attempt re-decides as a retry: the first attempt, right after its event, decides the same way.
        case .purchaseGrant(let r):
            .retryPaymentEvent(Command.PaymentRetry(eventID: r.eventID, initiatedBy: r.initiatedBy))
        case .cashRefund(let r):
            .retryPaymentEvent(Command.PaymentRetry(eventID: r.eventID, initiatedBy: r.initiatedBy))
        case .paymentAttempt(let r):
            .retryPaymentEvent(Command.PaymentRetry(eventID: r.eventID, initiatedBy: r.initiatedBy))
        }
    }
}

/// Version-1 type tags. Never renumber; a new layout gets a new tag.
enum LedgerRecordKind: UInt8, CaseIterable {
    case grant = 1
    case debit = 2
    case refund = 3
    case setFlag = 4
    case clearFlag = 5
    case definePlan = 6
    case subscribe = 7
    case setOverride = 8
    case clearOverride = 9
    case consume = 10
    case suspend = 11
    case reinstate = 12
    case setUserLimits = 13
    case breakerSuspension = 14
    case paymentEvent = 15
    case purchaseGrant = 16
    case cashRefund = 17
    case paymentAttempt = 18
}
