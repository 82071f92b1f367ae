/// The hot, fixed-size part of one user's folded state (balance activity); everything rarer lives in
/// ``AccountDetails``, allocated only when first needed.
struct UserAccount: Sendable {
    var userID: String
    var balance = Millicredits.zero
    /// The UTC day of `dayCharged`; time never decreases, so one day is all the daily cap needs.
    var dayNumber: Int64 = .min
    var dayCharged: Int64 = 0
    var recentCharges = RecentCharges()
    /// Index into `State.details`, or −1.
    var detailsSlot: Int32 = -1
    var hasLedgerActivity = false
    var suspended = false
    /// The state noticed after this user's last applied record (for transitions).
    var enforcementState = EnforcementState.active

    init(userID: String) { self.userID = userID }

    /// The charged total of this user on `day`.
    func chargedTotal(onDay day: Int64) -> Int64 { dayNumber == day ? dayCharged : 0 }
}
