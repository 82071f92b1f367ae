/// One line of a user's credit history (`tollgate transactions`, statements, `/users/me/transactions`): a grant,
/// a debit or a refund record of that user, with the balance after it.
public struct CreditTransaction: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case grant, debit, refund
        /// Credits removed because the payment provider refunded the purchase's money.
        case cashRefund = "cash_refund"
    }

    public var seq: Int64
    public var time: Timestamp
    public var userID: String
    public var kind: Kind
    /// `applied` or `rejected`.
    public var status: String
    /// Debits: `charged`, `free`, `shadow` (nil when rejected); nil for grants and refunds.
    public var mode: String?
    /// The rejection code, when rejected.
    public var code: String?
    /// The amount the command named (a refund's resolved amount; a debit's requested amount).
    public var amount: Millicredits
    /// The signed change to the balance: + grant or refund, − charged debit, 0 otherwise.
    public var balanceChange: Millicredits
    public var balanceAfter: Millicredits
    public var initiatedBy: String?
    /// Grants: `admin`, `purchase`, `promo`, `adjustment`; nil otherwise.
    public var source: String?
    /// Refunds: the debit refunded.
    public var debitSeq: Int64?
    public var sessionID: String?
    public var requestID: String?
    public var reason: String?

    /// True when the record moved the balance (applied grant, refund or charged debit).
    public var changesBalance: Bool { balanceChange != .zero }

    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            ("seq", .int(seq)), ("time", .string(time.rfc3339)), ("type", .string(kind.rawValue)),
            ("status", .string(status)), ("mode", text(mode)), ("code", text(code)), ("amount", .amount(amount)),
            ("balance_change", .amount(balanceChange)), ("balance_after", .amount(balanceAfter)),
            ("initiated_by", text(initiatedBy)), ("source", text(source)),
            ("debit_seq", debitSeq.map(JSONValue.int) ?? .null), ("session_id", text(sessionID)),
            ("request_id", text(requestID)), ("reason", text(reason)),
        ])
    }
}

extension LedgerRecord {
    /// The record as a credit transaction of its user, given the user's balance after it; nil for records that are
    /// not grants, debits or refunds.
    public func creditTransaction(seq: Int64, time: Timestamp, balanceAfter: Millicredits) -> CreditTransaction? {
        switch self {
        case .grant(let r):
            return CreditTransaction(
                seq: seq, time: time, userID: r.command.userID, kind: .grant, status: status, mode: nil,
                code: r.rejection?.code, amount: r.command.amount, balanceChange: balanceChange,
                balanceAfter: balanceAfter, initiatedBy: r.command.initiatedBy, source: r.command.source.rawValue,
                debitSeq: nil, sessionID: nil, requestID: nil, reason: r.command.reason)
        case .debit(let r):
            let mode: String? = r.rejection == nil ? outcomeLabel : nil
            return CreditTransaction(
                seq: seq, time: time, userID: r.command.userID, kind: .debit, status: status, mode: mode,
                code: r.rejection?.code, amount: r.command.amount, balanceChange: balanceChange,
                balanceAfter: balanceAfter, initiatedBy: nil, source: nil, debitSeq: nil,
                sessionID: r.command.sessionID, requestID: r.command.requestID, reason: nil)
        case .refund(let r):
            return CreditTransaction(
                seq: seq, time: time, userID: r.command.userID, kind: .refund, status: status, mode: nil,
                code: r.rejection?.code, amount: r.amount, balanceChange: balanceChange, balanceAfter: balanceAfter,
                initiatedBy: r.command.initiatedBy, source: nil, debitSeq: r.command.debitSeq, sessionID: nil,
                requestID: nil, reason: r.command.reason)
        case .purchaseGrant(let r):
            // A grant with source `purchase`; the reason names the payment it was bought with.
            return CreditTransaction(
                seq: seq, time: time, userID: r.userID, kind: .grant, status: status, mode: nil, code: nil,
                amount: r.amount, balanceChange: balanceChange, balanceAfter: balanceAfter,
                initiatedBy: r.initiatedBy, source: GrantSource.purchase.rawValue, debitSeq: nil, sessionID: nil,
                requestID: nil, reason: "payment \(r.paymentID) (event \(r.eventID))")
        case .cashRefund(let r):
            return CreditTransaction(
                seq: seq, time: time, userID: r.userID, kind: .cashRefund, status: status, mode: nil, code: nil,
                amount: r.amount, balanceChange: balanceChange, balanceAfter: balanceAfter,
                initiatedBy: r.initiatedBy, source: nil, debitSeq: nil, sessionID: nil, requestID: nil,
                reason: "cash refund of payment \(r.paymentID) (purchase seq \(r.purchaseSeq), event \(r.eventID))")
        default:
            return nil
        }
    }
}
