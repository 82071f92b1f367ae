/// Whether a user's balance is at or below the `low_balance_threshold` flag: the `low_balance` of a result.
extension State {
    public func isLowBalance(userID: String) -> Bool {
        balance(userID: userID) <= flags.lowBalanceThreshold
    }
}
