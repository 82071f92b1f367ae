/// A ``CompactDebit`` without its user id, for a replay that names users by key (docs/engine.md, "How `replay
/// --verify` uses the second core"): only integers, so handing one between threads and through the checks retains
/// and releases nothing. The reader hands a debit this way once the debit's user has been named with its key by an
/// earlier record; the verifier and the accounting journal keep each user's id once, by key.
public struct KeyedDebit: Hashable, Sendable {
    public var amount: Millicredits
    public var enforcementEnabled: Bool
    public var outcome: DebitOutcome

    public init(amount: Millicredits, enforcementEnabled: Bool, outcome: DebitOutcome) {
        self.amount = amount
        self.enforcementEnabled = enforcementEnabled
        self.outcome = outcome
    }

    public init(_ debit: CompactDebit) {
        amount = debit.amount
        enforcementEnabled = debit.enforcementEnabled
        outcome = debit.outcome
    }

    /// The compact debit this is, by the user `userID`.
    public func named(_ userID: String) -> CompactDebit {
        CompactDebit(userID: userID, amount: amount, enforcementEnabled: enforcementEnabled, outcome: outcome)
    }

    /// The millicredits charged (0 unless the outcome is `charged`).
    public var chargedMillicredits: Int64 {
        if case .charged(let charged, _, _) = outcome { charged.rawValue } else { 0 }
    }
}
