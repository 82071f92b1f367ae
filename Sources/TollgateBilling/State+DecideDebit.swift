/// `debit`: the checks of SEMANTICS.md in order, the first that fires decides.
extension State {
    static let sessionWindowMilliseconds = 60 * Timestamp.millisecondsPerMinute
    static let anomalyWindowMilliseconds = 60 * Timestamp.millisecondsPerMinute
    /// The third anomaly within the window trips the breaker.
    static let breakerAnomalyCountMin = 3

    /// A debit's decision without its records: what a verified replay compares with the recorded debit, so that
    /// re-deciding a debit allocates no records array (``decideDebit(_:seq:time:)`` builds the ``Decision``).
    struct DebitVerdict {
        /// The outcome of the debit record; nil when no record is appended (a duplicate).
        var outcome: DebitOutcome?
        /// The effective `credit_enforcement_enabled` the decision used.
        var enforcementEnabled: Bool
        /// The charge trips the circuit breaker: a `breakerSuspension` record follows the debit.
        var tripsBreaker = false
        var resultStorage: DecisionResult

        /// The records, as ``Decision/records``.
        func records(of command: Command.Debit) -> [LedgerRecord] {
            guard let outcome else { return [] }
            var records: [LedgerRecord] = [
                .debit(DebitRecord(command: command, enforcementEnabled: enforcementEnabled, outcome: outcome))
            ]
            if tripsBreaker { records.append(.breakerSuspension(userID: command.userID)) }
            return records
        }
    }

    func decideDebit(_ command: Command.Debit, seq: Int64, time: Timestamp) -> Decision {
        let verdict = debitVerdict(command, seq: seq, time: time)
        return Decision(records: verdict.records(of: command), resultStorage: verdict.resultStorage)
    }

    func debitVerdict(_ command: Command.Debit, seq: Int64, time: Timestamp) -> DebitVerdict {
        let slot = slot(of: command.userID)
        let detailsSlot = detailsSlot(ofSlot: slot)
        let enforcement = effectiveEnforcementEnabled
        let amount = command.amount.rawValue
        func rejected(_ code: RejectionCode) -> DebitVerdict {
            DebitVerdict(
                outcome: .rejected(code), enforcementEnabled: enforcement,
                resultStorage: .rejected(seq: seq, code, entitlementKey: nil, quota: nil))
        }

        // 2. Idempotency: same key and payload → duplicate; same key, other payload → conflict.
        if let key = command.idempotencyKey,
            let entry = idempotencyEntry(slot: slot, IdempotencyKey(op: .debit, key: key))
        {
            guard entry.payload == .debit(command.amount, sessionID: command.sessionID) else {
                return rejected(.idempotencyConflict)
            }
            return DebitVerdict(
                outcome: nil, enforcementEnabled: enforcement,
                resultStorage: .snapshot(entry.snapshot, duplicate: true))
        }
        // 3. Suspended account.
        if let slot, accounts[slot].suspended { return rejected(.accountSuspended) }
        // 4. Single request cap: the user's own, else the flag.
        let ownCaps = detailsSlot.map { details[$0] }
        let singleRequestCap = ownCaps?.singleRequestCap ?? flags.singleRequestCap
        if amount > singleRequestCap.rawValue { return rejected(.requestCapExceeded) }

        let balance = slot.map { accounts[$0].balance.rawValue } ?? 0
        let lowBalance = balance <= flags.lowBalanceThreshold.rawValue
        func unchargedResult(_ mode: ResultSnapshot.DebitSnapshot.Mode, outcome: DebitOutcome) -> DebitVerdict {
            let snapshot = ResultSnapshot.DebitSnapshot(
                mode: mode, amount: command.amount, balanceAfter: Millicredits(rawValue: balance),
                lowBalance: lowBalance, warned: false, anomaly: false)
            return DebitVerdict(
                outcome: outcome, enforcementEnabled: enforcement,
                resultStorage: .snapshot(ResultSnapshot.debit(seq: seq, snapshot), duplicate: false))
        }
        // 5. Kill switch.
        if !flags.billingChargingEnabled { return unchargedResult(.free, outcome: .free) }
        // 6. Shadow: globally, or outside the rollout; the allowlist exempts from both.
        if isShadowed(command.userID) { return unchargedResult(.shadow, outcome: .shadow) }
        // 7. Daily cap (UTC day of the decision time), then session cap over (t − 60 min, t].
        let dailyCap = ownCaps?.dailyCap ?? flags.dailyCap
        let dayTotal = slot.map { accounts[$0].chargedTotal(onDay: time.utcDayNumber) } ?? 0
        // total + amount > cap, written so that no folded total can overflow it (cap ≥ 0, amount > 0).
        if dayTotal > dailyCap.rawValue - amount { return rejected(.dailyCapExceeded) }
        if let sessionID = command.sessionID {
            let sessionCap = ownCaps?.sessionCap ?? flags.sessionCap
            let windowStart = time.rawValue &- Self.sessionWindowMilliseconds
            var sessionTotal: Int64 = 0
            for charge in ownCaps?.sessionCharges ?? []
            where charge.sessionID == sessionID && charge.time.rawValue > windowStart && charge.time <= time {
                let (sum, overflow) = sessionTotal.addingReportingOverflow(charge.amount)
                sessionTotal = overflow ? .max : sum
            }
            if sessionTotal > sessionCap.rawValue - amount { return rejected(.sessionCapExceeded) }
        }
        // 8. Enforcement: refuse at balance ≤ 0 when on; warn-only when off.
        if balance <= 0 && enforcement { return rejected(.insufficientCredits) }
        let warned = balance <= 0
        let (balanceAfter, overflow) = balance.subtractingReportingOverflow(amount)
        if overflow { return rejected(.balanceLimitExceeded) }
        // 9. Charged, with the anomaly rule and the circuit breaker.
        let anomaly = slot.map { accounts[$0].recentCharges.isAnomaly(amount) } ?? false
        let snapshot = ResultSnapshot.DebitSnapshot(
            mode: .charged, amount: command.amount, balanceAfter: Millicredits(rawValue: balanceAfter),
            lowBalance: balanceAfter <= flags.lowBalanceThreshold.rawValue, warned: warned, anomaly: anomaly)
        let tripsBreaker =
            anomaly && flags.anomalyCircuitBreakerEnabled
            && anomalyCount(detailsSlot: detailsSlot, at: time) + 1 >= Self.breakerAnomalyCountMin
        return DebitVerdict(
            outcome: .charged(command.amount, warned: warned, anomaly: anomaly), enforcementEnabled: enforcement,
            tripsBreaker: tripsBreaker,
            resultStorage: .snapshot(ResultSnapshot.debit(seq: seq, snapshot), duplicate: false))
    }

    /// Step 6 of the debit rule.
    func isShadowed(_ userID: String) -> Bool {
        let shadowAll = flags.shadowBillingEnabled
        let partialRollout = flags.rolloutPercentage < 100
        guard shadowAll || partialRollout else { return false }
        if flags.allowlist.contains(userID) { return false }
        return shadowAll || RolloutHash.isOutsideRollout(userID: userID, percentage: flags.rolloutPercentage)
    }

    /// The user's anomalies with time in (t − 60 min, t], before the current debit.
    func anomalyCount(detailsSlot: Int?, at time: Timestamp) -> Int {
        guard let detailsSlot else { return 0 }
        let windowStart = time.rawValue &- Self.anomalyWindowMilliseconds
        var count = 0
        for anomalyTime in details[detailsSlot].anomalyTimes
        where anomalyTime.rawValue > windowStart && anomalyTime <= time {
            count += 1
        }
        return count
    }
}
