/// Whole-state consistency checks, too costly for every fold (like swift-collections' `_invariantCheck()`); tests
/// run them after every command of the property streams.
extension State {
    /// Descriptions of broken internal invariants; empty when consistent.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        var total: Int128 = 0
        for (index, account) in accounts.enumerated() {
            total += Int128(account.balance.rawValue)
            if userSlots[account.userID] != Int32(index) { problems.append("slot of \(account.userID)") }
            if account.recentCharges.count > RecentCharges.countMax { problems.append("recent of \(account.userID)") }
            if account.recentCharges.amounts.reduce(0, &+) != account.recentCharges.sum {
                problems.append("recent sum of \(account.userID)")
            }
            if account.detailsSlot >= details.count { problems.append("details slot of \(account.userID)") }
            if account.detailsSlot >= 0 {
                let entry = details[Int(account.detailsSlot)]
                if entry.planSlot >= 0 && !plans[Int(entry.planSlot)].subscribers.contains(Int32(index)) {
                    problems.append("subscription of \(account.userID)")
                }
                if entry.transitions.count > EnforcementTransition.historyCountMax {
                    problems.append("transitions of \(account.userID)")
                }
            }
        }
        if total != liabilityTotal { problems.append("liability") }
        if userSlots.count != accounts.count { problems.append("user count") }
        for (seq, refunded) in chargedDebits.refunded {
            guard let entry = chargedDebits.entry(seq: seq), refunded <= entry.charged else {
                problems.append("refund of seq \(seq)")
                continue
            }
        }
        return problems
    }
}
