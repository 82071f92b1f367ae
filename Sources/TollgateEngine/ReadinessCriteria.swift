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

    /// Every threshold by its snake_case name: the query parameters of `GET /api/v1/admin/enforcement/readiness`
    /// (the `tollgate readiness` flags are the same names with dashes).
    public static var thresholdNames: [(name: String, keyPath: WritableKeyPath<ReadinessCriteria, Int64>)] {
        [
            ("min_active_users", \.activeUsersMin), ("min_events_per_day", \.eventsPerDayMin),
            ("min_consecutive_days", \.consecutiveDaysMin), ("min_observation_days", \.observationDaysMin),
            ("min_purchases", \.purchasesMin), ("max_rejected_pct", \.rejectedPctMax),
        ]
    }

    /// Why `value` cannot be the threshold at `keyPath`, or nil when it can: every threshold is ≥ 0, and the
    /// consecutive days at most ``streakDaysMax``.
    public static func problem(_ keyPath: WritableKeyPath<ReadinessCriteria, Int64>, value: Int64) -> String? {
        if value < 0 { return "must be ≥ 0, got \(value)" }
        if keyPath == \.consecutiveDaysMin && value > streakDaysMax {
            return "must be ≤ \(streakDaysMax), got \(value)"
        }
        return nil
    }
}
