/// The rarer parts of a user's folded state: own caps, session and anomaly windows, idempotency keys, plan,
/// overrides, usage and grace counters, grace start and transitions.
///
/// Windows keep only what lies within the last 60 minutes (pruned on every fold that adds to them).
struct AccountDetails: Sendable {
    var singleRequestCap: Millicredits?
    var dailyCap: Millicredits?
    var sessionCap: Millicredits?
    /// Charged debits with a session id within the last 60 minutes, in time order.
    var sessionCharges: [SessionCharge] = []
    /// Times of this user's anomalies within the last 60 minutes, in order.
    var anomalyTimes: [Timestamp] = []
    var idempotency: [IdempotencyKey: IdempotencyEntry] = [:]
    /// Index into `State.plans`, or −1.
    var planSlot: Int32 = -1
    var overrides: [String: EntitlementOverride] = [:]
    /// Per usage key; only grows through applied consumes.
    var usage: [String: Int64] = [:]
    /// Per entitlement key of the current plan; reset when the user subscribes to a different plan.
    var graceUsed: [String: Int64] = [:]
    var graceStartedAt: Timestamp?
    /// The most recent transitions, oldest first, at most `EnforcementTransition.historyCountMax`.
    var transitions: [EnforcementTransition] = []

    struct SessionCharge: Sendable {
        var sessionID: String
        var time: Timestamp
        var amount: Int64
    }

    struct EntitlementOverride: Hashable, Sendable {
        var value: Int64
        var expiresAt: Timestamp?

        func isActive(at time: Timestamp) -> Bool { expiresAt.map { $0 > time } ?? true }
    }
}
