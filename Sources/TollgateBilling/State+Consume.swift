/// `consume`: limit resolution, usage keys, grace, and the result fields shared by `decide` and `fold`.
extension State {
    /// Everything a consume decision reads, evaluated once from the state before the command.
    struct ConsumeEvaluation {
        var limit: Int64
        var overrideApplied: Bool
        var usageKey: String
        var usage: Int64
        /// Grace count − grace used, when the user's plan has enforcement on; nil otherwise.
        var graceRemaining: Int64?

        /// The applied mode for `quantity`, or nil for `quota_exceeded`.
        func mode(quantity: Int64) -> ConsumeOutcome? {
            // usage + quantity ≤ limit, written so that it cannot overflow (limit ≥ 0, quantity ≥ 1).
            if limit == -1 || (limit >= 0 && usage <= limit - quantity) { return .withinLimit }
            guard let graceRemaining else { return .warned }
            return graceRemaining >= quantity ? .grace : nil
        }

        /// The result fields after an outcome (`usage_after` unchanged on rejection).
        func snapshot(outcome: ConsumeOutcome, quantity: Int64) -> ResultSnapshot.ConsumeSnapshot {
            let applied: Bool = if case .rejected = outcome { false } else { true }
            // Usage never exceeds Int64: it saturates (see docs/billing-decisions.md).
            let usageAfter =
                applied ? usage.addingReportingOverflow(quantity).overflow ? .max : usage + quantity : usage
            var graceAfter = graceRemaining
            if outcome == .grace, let remaining = graceRemaining { graceAfter = remaining &- quantity }
            return ResultSnapshot.ConsumeSnapshot(
                outcome: outcome, usageAfter: usageAfter, limit: limit, graceRemaining: graceAfter,
                overrideApplied: overrideApplied)
        }
    }

    /// Limit resolution at `time`: an unexpired override of (user, key); else the plan's entitlement; else 0.
    func resolvedLimit(detailsSlot: Int?, plan: Plan?, key: String, at time: Timestamp) -> (
        limit: Int64, fromOverride: Bool
    ) {
        if let detailsSlot, let override = details[detailsSlot].overrides[key], override.isActive(at: time) {
            return (override.value, true)
        }
        return (plan?.definition.entitlements[key] ?? 0, false)
    }

    func evaluateConsume(slot: Int?, key: String, at time: Timestamp) -> ConsumeEvaluation {
        let detailsSlot = detailsSlot(ofSlot: slot)
        let plan = plan(ofDetails: detailsSlot)
        let (limit, fromOverride) = resolvedLimit(detailsSlot: detailsSlot, plan: plan, key: key, at: time)
        let usageKey = plan?.usageKey(for: key) ?? Plan.defaultUsageKey(for: key)
        let usage = detailsSlot.flatMap { details[$0].usage[usageKey] } ?? 0
        var graceRemaining: Int64?
        if let plan, plan.definition.enforcementEnabled {
            let used = detailsSlot.flatMap { details[$0].graceUsed[key] } ?? 0
            // Never overflows in a decided log (used ≤ the largest grace count); `&-` keeps a forged one from
            // trapping the verifier.
            graceRemaining = plan.definition.enforcementGraceCount &- used
        }
        return ConsumeEvaluation(
            limit: limit, overrideApplied: fromOverride, usageKey: usageKey, usage: usage,
            graceRemaining: graceRemaining)
    }

    func decideConsume(_ command: Command.Consume, seq: Int64, time: Timestamp) -> Decision {
        let slot = slot(of: command.userID)
        func record(_ outcome: ConsumeOutcome) -> [LedgerRecord] {
            [.consume(ConsumeRecord(command: command, outcome: outcome))]
        }
        if let key = command.idempotencyKey,
            let entry = idempotencyEntry(slot: slot, IdempotencyKey(op: .consume, key: key))
        {
            guard entry.payload == .consume(entitlementKey: command.entitlementKey, quantity: command.quantity) else {
                return Decision(
                    records: record(.rejected(.idempotencyConflict)),
                    resultStorage: .rejected(seq: seq, .idempotencyConflict, entitlementKey: nil, quota: nil))
            }
            return Decision(records: [], resultStorage: .snapshot(entry.snapshot, duplicate: true))
        }
        if let slot, accounts[slot].suspended {
            return Decision(
                records: record(.rejected(.accountSuspended)),
                resultStorage: .rejected(seq: seq, .accountSuspended, entitlementKey: nil, quota: nil))
        }
        let evaluation = evaluateConsume(slot: slot, key: command.entitlementKey, at: time)
        guard let mode = evaluation.mode(quantity: command.quantity) else {
            let outcome = ConsumeOutcome.rejected(.quotaExceeded)
            let snapshot = evaluation.snapshot(outcome: outcome, quantity: command.quantity)
            return Decision(
                records: record(outcome),
                resultStorage: .rejected(
                    seq: seq, .quotaExceeded, entitlementKey: command.entitlementKey, quota: snapshot))
        }
        let snapshot = evaluation.snapshot(outcome: mode, quantity: command.quantity)
        return Decision(
            records: record(mode),
            resultStorage: .snapshot(ResultSnapshot.consume(seq: seq, snapshot), duplicate: false))
    }
}
