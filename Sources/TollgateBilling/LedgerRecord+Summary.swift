/// A short deterministic description of a record's decision, for violation details.
extension LedgerRecord {
    public var summary: String {
        switch self {
        case .grant(let r):
            return "grant \(r.command.amount.formatted) " + (r.rejection.map { "rejected \($0.code)" } ?? "applied")
        case .debit(let r):
            let enforcement = r.enforcementEnabled ? "on" : "off"
            let outcome: String
            switch r.outcome {
            case .charged(let charged, let warned, let anomaly):
                outcome = "charged \(charged.formatted)" + (warned ? " warned" : "") + (anomaly ? " anomaly" : "")
            case .free: outcome = "free"
            case .shadow: outcome = "shadow"
            case .rejected(let code): outcome = "rejected \(code.code)"
            }
            return "debit \(r.command.amount.formatted) \(outcome) enforcement \(enforcement)"
        case .refund(let r):
            return "refund \(r.amount.formatted) of seq \(r.command.debitSeq) "
                + (r.rejection.map { "rejected \($0.code)" } ?? "applied")
        case .consume(let r):
            let outcome: String =
                if case .rejected(let code) = r.outcome { "rejected \(code.code)" } else { r.outcome.modeName }
            return "consume \(r.command.entitlementKey) x\(r.command.quantity) \(outcome)"
        case .breakerSuspension: return "circuit breaker suspension"
        case .paymentEvent(let e): return "payment event \(e.eventID) \(e.kind.name)"
        case .purchaseGrant(let r):
            return "purchase grant \(r.amount.formatted) of \(r.paymentID) attempt \(r.attempt)"
        case .cashRefund(let r): return "cash refund \(r.amount.formatted) of \(r.paymentID) attempt \(r.attempt)"
        case .paymentAttempt(let r): return "payment attempt \(r.attempt) \(r.outcome.code)"
        default: return "\(kind) applied"
        }
    }
}
