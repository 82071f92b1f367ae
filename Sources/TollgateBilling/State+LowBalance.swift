extension State {
    /// The `low_balance_threshold` setting in force (default 0; may be negative).
    public var lowBalanceThreshold: Millicredits { flags.lowBalanceThreshold }

    /// Whether the user's balance is at or below `low_balance_threshold`: the same rule as a debit's
    /// `low_balance` (SEMANTICS.md), applied to the current balance, so a read agrees with the last debit's result.
    public func isLowBalance(userID: String) -> Bool {
        balance(userID: userID) <= flags.lowBalanceThreshold
    }
}
