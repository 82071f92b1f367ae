/// Point lookups for scans that fold record by record (reconcile, statements, what-if): O(1), never sorted.
extension State {
    /// The user's balance; zero for a user never seen.
    public func balance(userID: String) -> Millicredits {
        slot(of: userID).map { accounts[$0].balance } ?? .zero
    }

    /// Σ balances, exact (any width).
    public var liabilityExact: Int128 { liabilityTotal }

    /// Sets a flag outside the log, as if a `set_flag` had been folded, without counting a record or moving time.
    /// For what-if runs on a scratch state only: the engine's state changes through `fold` alone.
    package mutating func pinFlag(_ value: FlagValue) {
        flags.set(value)
    }
}
