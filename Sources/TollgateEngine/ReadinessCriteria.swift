/// The thresholds of the enforcement-rollout gates (``ReadinessReport``). Defaults are documented in
/// docs/enforcement-rollout.md; every one is a flag of `tollgate readiness`.
public struct ReadinessCriteria: Sendable, Hashable {
    /// Users with a debit or consume in the 30 UTC days ending with the evaluation day.
    public var activeUsersMin: Int64 = 1
    /// The 14-day average of billing events (debits and consumes) per day must reach this…
    public var eventsPerDayMin: Int64 = 100
    /// …on this many consecutive days, ending with the evaluation day.
    public var consecutiveDaysMin: Int64 = 14
    /// Distinct UTC days with at least one warn-only debit (charged while enforcement was off).
    public var observationDaysMin: Int64 = 7
    /// Applied grants with source `purchase` (a purchase that went through end to end).
    public var purchasesMin: Int64 = 1
    /// What `whatif` with enforcement on would newly reject, as a percentage of all charge requests, at most.
    public var rejectedPctMax: Int64 = 1

    public init() {}

    /// The rolling window of active users, in days.
    public static let activeWindowDays: Int64 = 30
    /// The rolling window of the events average, in days.
    public static let eventsWindowDays: Int64 = 14
    /// Streaks are counted back at most this many days (bounds the per-user activity kept in memory).
    public static let streakDaysMax: Int64 = 365
}
