/// Enforcement state (SEMANTICS.md, "Enforcement state"): evaluation at a time, `grace_started_at` upkeep and
/// transitions.
extension State {
    /// Which entitlements of the user's plan reach each level at a time: the first key (ascending) for each.
    struct EnforcementLevels {
        var warnKey: String?
        var hardKey: String?
        var degradedKey: String?
    }

    /// "pct ≥ X" means usage × 100 ≥ X × limit for at least one entitlement of the plan whose resolved limit is
    /// finite and > 0. Products are 128-bit: usage, limits and percentages are any Int64.
    func enforcementLevels(slot: Int, at time: Timestamp) -> EnforcementLevels {
        var levels = EnforcementLevels()
        guard let detailsSlot = detailsSlot(ofSlot: slot), let plan = plan(ofDetails: detailsSlot) else {
            return levels
        }
        let thresholds = plan.definition.thresholds
        let warnPct = Int128(thresholds.warnPct)
        let hardPct = Int128(thresholds.hardPct)
        let degradedPct = hardPct + Int128(thresholds.overageBufferPct)
        for (key, planLimit, usageKey) in plan.sortedEntitlements {
            var limit = planLimit
            if let override = details[detailsSlot].overrides[key], override.isActive(at: time) {
                limit = override.value
            }
            guard limit > 0 else { continue }
            let usage = Int128(details[detailsSlot].usage[usageKey] ?? 0) * 100
            let wideLimit = Int128(limit)
            if levels.warnKey == nil && usage >= warnPct * wideLimit { levels.warnKey = key }
            if levels.hardKey == nil && usage >= hardPct * wideLimit { levels.hardKey = key }
            if levels.degradedKey == nil && usage >= degradedPct * wideLimit { levels.degradedKey = key }
            if levels.degradedKey != nil && levels.hardKey != nil && levels.warnKey != nil { break }
        }
        return levels
    }

    /// The end of grace: exactly `grace_started_at + grace_hours` (saturating).
    static func graceEnd(startedAt: Timestamp, graceHours: Int64) -> Timestamp {
        let (span, spanOverflow) = graceHours.multipliedReportingOverflow(by: Timestamp.millisecondsPerHour)
        let (end, endOverflow) = startedAt.rawValue.addingReportingOverflow(span)
        return Timestamp(rawValue: spanOverflow || endOverflow ? .max : end)
    }

    /// The state of a user at `time`, with the entitlement that sets it and `grace_started_at`.
    func evaluateEnforcement(
        slot: Int, at time: Timestamp, levels known: EnforcementLevels? = nil
    ) -> (state: EnforcementState, key: String?, graceStartedAt: Timestamp?, graceEndsAt: Timestamp?) {
        if accounts[slot].suspended { return (.suspended, nil, nil, nil) }
        let levels = known ?? enforcementLevels(slot: slot, at: time)
        // ACTIVE unless pct ≥ warn_pct; WARN unless pct ≥ hard_pct; otherwise GRACE, then DEGRADED. Each "pct ≥ X"
        // is its own test, so a plan with hard_pct below warn_pct stays ACTIVE until warn_pct is reached.
        guard let warnKey = levels.warnKey else { return (.active, nil, nil, nil) }
        guard let hardKey = levels.hardKey else { return (.warn, warnKey, nil, nil) }
        let detailsSlot = detailsSlot(ofSlot: slot)!
        let graceHours = plan(ofDetails: detailsSlot)!.definition.thresholds.graceHours
        guard let startedAt = details[detailsSlot].graceStartedAt else {
            // pct reached hard_pct only after the last record (an override expired since): grace has not started.
            return (.grace, hardKey, nil, nil)
        }
        let endsAt = Self.graceEnd(startedAt: startedAt, graceHours: graceHours)
        if time >= endsAt, let degradedKey = levels.degradedKey {
            return (.degraded, degradedKey, startedAt, endsAt)
        }
        return (.grace, hardKey, startedAt, endsAt)
    }

    /// After an applied record that concerns the user: set or clear `grace_started_at` at the record's time, then
    /// record a transition if the state changed.
    mutating func noticeEnforcement(slot: Int, seq: Int64, time: Timestamp) {
        let detailsSlot = detailsSlot(ofSlot: slot)
        var levels: EnforcementLevels?
        if let detailsSlot, details[detailsSlot].planSlot >= 0 {
            let computed = enforcementLevels(slot: slot, at: time)
            levels = computed
            if computed.hardKey == nil {
                details[detailsSlot].graceStartedAt = nil
            } else if details[detailsSlot].graceStartedAt == nil {
                details[detailsSlot].graceStartedAt = time
            }
        } else if accounts[slot].enforcementState == (accounts[slot].suspended ? .suspended : .active) {
            return  // Fast path: no plan, nothing changed.
        }
        let evaluation = evaluateEnforcement(slot: slot, at: time, levels: levels)
        let previous = accounts[slot].enforcementState
        guard evaluation.state != previous else { return }
        accounts[slot].enforcementState = evaluation.state
        let target = ensureDetails(ofSlot: slot)
        if details[target].transitions.count == EnforcementTransition.historyCountMax {
            details[target].transitions.removeFirst()
        }
        details[target].transitions.append(
            EnforcementTransition(
                from: previous, to: evaluation.state, at: time, seq: seq, entitlementKey: evaluation.key))
    }
}
