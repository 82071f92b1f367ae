/// One user's enforcement at a time, as client SDKs and dashboards read it: the state, grace, which entitlements
/// crossed which threshold, and the module policy in force. A query result; never part of a decision.
public struct UserEnforcement: Hashable, Sendable {
    /// Which threshold of the plan an entitlement has reached (the highest one).
    public enum Level: String, Hashable, Sendable {
        /// usage ≥ warn_pct of the limit.
        case warn = "WARN"
        /// usage ≥ hard_pct of the limit.
        case hard = "HARD"
        /// usage ≥ hard_pct + overage_buffer_pct of the limit: what turns GRACE into DEGRADED once grace ends.
        case overage = "OVERAGE"
    }

    /// An entitlement of the user's plan whose usage reached at least one threshold.
    public struct TriggeredMetric: Hashable, Sendable {
        public var entitlementKey: String
        public var usageKey: String
        public var usage: Int64
        /// The resolved limit (an active override included); always finite and > 0 here.
        public var limit: Int64
        /// ⌊usage × 100 / limit⌋, saturating at Int64.max.
        public var usagePct: Int64
        public var level: Level
        /// The percentage of the threshold `level` names.
        public var thresholdPct: Int64

        public init(
            entitlementKey: String, usageKey: String, usage: Int64, limit: Int64, usagePct: Int64, level: Level,
            thresholdPct: Int64
        ) {
            self.entitlementKey = entitlementKey
            self.usageKey = usageKey
            self.usage = usage
            self.limit = limit
            self.usagePct = usagePct
            self.level = level
            self.thresholdPct = thresholdPct
        }
    }

    public var userID: String
    /// The time the state was evaluated at (the request time, clamped to the last record).
    public var evaluatedAt: Timestamp
    public var state: EnforcementState
    public var planID: String?
    public var graceStartedAt: Timestamp?
    public var graceEndsAt: Timestamp?
    /// Entitlements in ascending key order.
    public var triggeredMetrics: [TriggeredMetric]
    /// The plan's `module_rules` compact JSON text while DEGRADED, `{}` otherwise.
    public var effectivePolicyJSON: String

    public init(
        userID: String, evaluatedAt: Timestamp, state: EnforcementState, planID: String? = nil,
        graceStartedAt: Timestamp? = nil, graceEndsAt: Timestamp? = nil, triggeredMetrics: [TriggeredMetric],
        effectivePolicyJSON: String
    ) {
        self.userID = userID
        self.evaluatedAt = evaluatedAt
        self.state = state
        self.planID = planID
        self.graceStartedAt = graceStartedAt
        self.graceEndsAt = graceEndsAt
        self.triggeredMetrics = triggeredMetrics
        self.effectivePolicyJSON = effectivePolicyJSON
    }
}
