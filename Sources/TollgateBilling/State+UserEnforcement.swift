/// The SDK and dashboard view of a user's enforcement (``UserEnforcement``).
extension State {
    /// The user's enforcement at `at`, evaluated exactly as `tollgate state --at` does: a stale stored state is
    /// re-evaluated at the time (grace that has ended since the last record turns into DEGRADED), and a time
    /// before the last record is clamped to it. An unknown user is ACTIVE with nothing triggered.
    public func userEnforcement(userID: String, at: Timestamp) -> UserEnforcement {
        let time = max(at, lastRecordTime ?? at)
        let evaluation = enforcement(userID: userID, at: time)
        return UserEnforcement(
            userID: userID, evaluatedAt: time, state: evaluation.state, planID: planID(ofUser: userID),
            graceStartedAt: evaluation.graceStartedAt, graceEndsAt: evaluation.graceEndsAt,
            triggeredMetrics: triggeredMetrics(userID: userID, at: time),
            effectivePolicyJSON: effectiveModuleRulesJSON(userID: userID, at: time))
    }

    /// Entitlements (ascending key) whose usage reached warn_pct, hard_pct or hard_pct + overage_buffer_pct of
    /// their resolved finite limit > 0 — the same "pct ≥ X" test as the state itself (128-bit products).
    func triggeredMetrics(userID: String, at time: Timestamp) -> [UserEnforcement.TriggeredMetric] {
        guard let detailsSlot = detailsSlot(ofSlot: slot(of: userID)), let plan = plan(ofDetails: detailsSlot) else {
            return []
        }
        let thresholds = plan.definition.thresholds
        let overagePct = Int128(thresholds.hardPct) + Int128(thresholds.overageBufferPct)
        var metrics: [UserEnforcement.TriggeredMetric] = []
        for (key, planLimit, usageKey) in plan.sortedEntitlements {
            var limit = planLimit
            if let override = details[detailsSlot].overrides[key], override.isActive(at: time) {
                limit = override.value
            }
            guard limit > 0 else { continue }
            let usage = details[detailsSlot].usage[usageKey] ?? 0
            let scaled = Int128(usage) * 100
            let wideLimit = Int128(limit)
            let level: UserEnforcement.Level
            let thresholdPct: Int128
            if scaled >= overagePct * wideLimit && thresholds.overageBufferPct > 0 {
                (level, thresholdPct) = (.overage, overagePct)
            } else if scaled >= Int128(thresholds.hardPct) * wideLimit {
                (level, thresholdPct) = (.hard, Int128(thresholds.hardPct))
            } else if scaled >= Int128(thresholds.warnPct) * wideLimit {
                (level, thresholdPct) = (.warn, Int128(thresholds.warnPct))
            } else {
                continue
            }
            metrics.append(
                UserEnforcement.TriggeredMetric(
                    entitlementKey: key, usageKey: usageKey, usage: usage, limit: limit,
                    usagePct: Int64(clamping: scaled / wideLimit), level: level,
                    thresholdPct: Int64(clamping: thresholdPct)))
        }
        return metrics
    }
}
