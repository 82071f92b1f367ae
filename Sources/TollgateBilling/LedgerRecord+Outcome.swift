/// A record's decision as one short label, to compare decisions (what-if, re-decision): `charged`, `free`,
/// `shadow`, `within_limit`, `grace`, `warned`, `applied` (every other applied record), or the rejection code.
extension LedgerRecord {
    public var outcomeLabel: String {
        if let rejection { return rejection.code }
        switch self {
        case .debit(let r):
            switch r.outcome {
            case .charged: return "charged"
            case .free: return "free"
            case .shadow: return "shadow"
            case .rejected(let code): return code.code
            }
        case .consume(let r): return r.outcome.modeName
        case .paymentAttempt(let r): return r.outcome.code
        default: return "applied"
        }
    }

    /// The amount a charged debit took from the balance; zero for everything else.
    public var chargedAmount: Millicredits {
        if case .debit(let r) = self, case .charged(let charged, _, _) = r.outcome { return charged }
        return .zero
    }

    /// The signed change this record made to its user's balance: + applied grants and refunds, − charged debits.
    public var balanceChange: Millicredits {
        guard rejection == nil else { return .zero }
        switch self {
        case .grant(let r): return r.command.amount
        case .refund(let r): return r.amount
        case .debit: return Millicredits(rawValue: -chargedAmount.rawValue)
        case .purchaseGrant(let r): return r.amount
        case .cashRefund(let r): return Millicredits(rawValue: -r.amount.rawValue)
        default: return .zero
        }
    }
}
