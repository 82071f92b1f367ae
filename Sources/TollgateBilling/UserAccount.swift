/// The fixed-size part of one user's folded state (balance activity); everything rarer lives in
/// ``AccountDetails``, allocated only when first needed.
///
/// 128 bytes, and ``UserAccounts`` aligns each to 128: the two cache lines of one account are an aligned pair (which
/// the L2's adjacent-line prefetch loads together), and they hold all a charged debit reads and writes — balance,
/// the day's total, the last 20 charges inline (``RecentCharges``), slots, flags. The hot fields come first; the
/// user id, which the per-debit path never reads, last.
struct UserAccount: Sendable {
    var balance = Millicredits.zero
    var dayCharged: Int64 = 0
    var recentCharges = RecentCharges()
    /// Index into `State.details`, or −1.
    var detailsSlot: Int32 = -1
    /// The UTC day of `dayCharged` (days since 1970, clamped to Int32: years ±5.8 million); time never decreases,
    /// so one day is all the daily cap needs.
    var dayNumber: Int32 = .min
    var hasLedgerActivity = false
    var suspended = false
    /// The state noticed after this user's last applied record (for transitions).
    var enforcementState = EnforcementState.active
    var userID: String
    /// Fills the account to 128 bytes (``UserAccounts/blockSizeBytes``), so that accounts stay on aligned line pairs.
    private var padding: (Int64, Int64, Int64) = (0, 0, 0)

    init(userID: String) { self.userID = userID }

    /// The charged total of this user on `day`.
    func chargedTotal(onDay day: Int64) -> Int64 { dayNumber == Int32(clamping: day) ? dayCharged : 0 }

    /// A charge's whole effect on the account — balance, the day's total, the recent charges, the ledger-activity
    /// mark — in one access: `accounts[slot].post(charge:onDay:)` checks the array's uniqueness once where four
    /// writes through `accounts[slot]` checked it four times (per charged debit of a replay).
    mutating func post(charge amount: Int64, onDay day: Int64) {
        hasLedgerActivity = true
        balance.rawValue &-= amount
        addCharge(amount, onDay: day)
        recentCharges.append(amount)
    }

    /// ``State/applyPlainCharge(slot:amount:warned:enforcementEnabled:seq:time:)``'s part in the account, in one
    /// access: when this account (no details, active, not suspended) would be charged `amount` on `day` — its day's
    /// total within `dayRoomMillicredits` (the daily cap − `amount`), not refused for a non-positive balance under
    /// enforcement, `warned` exactly when the balance is ≤ 0, no overflow, not an anomaly — posts it and returns true;
    /// otherwise changes nothing and returns false.
    @inline(__always)
    mutating func postPlainCharge(
        _ amount: Int64, onDay day: Int64, dayRoomMillicredits: Int64, enforcementEnabled: Bool, warned: Bool
    ) -> Bool {
        guard detailsSlot < 0, !suspended, enforcementState == .active else { return false }
        guard chargedTotal(onDay: day) <= dayRoomMillicredits else { return false }
        let balanceBefore = balance.rawValue
        let nonPositive = balanceBefore <= 0
        guard !(nonPositive && enforcementEnabled), warned == nonPositive else { return false }
        guard !balanceBefore.subtractingReportingOverflow(amount).overflow, !recentCharges.isAnomaly(amount)
        else { return false }
        post(charge: amount, onDay: day)
        return true
    }

    /// Adds a charge on `day`, starting the day's total afresh when the day changed.
    mutating func addCharge(_ amount: Int64, onDay day: Int64) {
        let compact = Int32(clamping: day)
        if dayNumber != compact {
            dayNumber = compact
            dayCharged = 0
        }
        dayCharged &+= amount
    }
}
