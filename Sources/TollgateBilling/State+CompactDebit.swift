/// The debit rule and its fold for a debit without optional strings (a ``CompactDebit``) by a user who already has
/// a slot, keyed by that slot: no `Command.Debit`, `DebitRecord` or `String` is built or copied per record. A
/// verified replay re-decides and folds nearly every record through here (docs/engine.md, "How `replay --verify`
/// uses the second core").
///
/// The same rule as ``debitVerdict(_:seq:time:)`` and the same fold as ``apply(debit:seq:time:)`` with the steps
/// that a debit without an idempotency key or session id cannot reach left out (the duplicate and conflict
/// checks, the session cap and its window, the key's registration). The one step that needs the user id, the
/// rollout hash and the allowlist (step 6), reads the id the account already holds, and only when a shadow flag or a
/// partial rollout is on. Tests compare both paths record by record on random command streams.
extension State {
    /// What ``debitVerdict(_:seq:time:)`` decides for a compact debit, without the result it would print.
    struct CompactDebitVerdict: Equatable {
        var outcome: DebitOutcome
        /// The effective `credit_enforcement_enabled` the decision used.
        var enforcementEnabled: Bool
        /// The charge trips the circuit breaker: a `breakerSuspension` record follows the debit.
        var tripsBreaker: Bool
    }

    /// Re-decides a debit of `amount` with no session id and no idempotency key by the user of `slot` at `time`.
    /// Mutating only for the per-slot cache of step 6 (``shadowedBySlot``); the decision is the state's.
    mutating func compactDebitVerdict(slot: Int, amount: Millicredits, time: Timestamp) -> CompactDebitVerdict {
        assert(slot >= 0 && slot < accounts.count, "the user has a slot")
        let enforcement = effectiveEnforcementEnabled
        func rejected(_ code: RejectionCode) -> CompactDebitVerdict {
            CompactDebitVerdict(outcome: .rejected(code), enforcementEnabled: enforcement, tripsBreaker: false)
        }
        let amountMillicredits = amount.rawValue
        // 2. Idempotency: no key. 3. Suspended account.
        if accounts[slot].suspended { return rejected(.accountSuspended) }
        // 4. Single request cap: the user's own, else the flag (read in place: copying `AccountDetails` retains
        // its dictionaries).
        let detailsSlot = accounts[slot].detailsSlot
        let singleRequestCap = detailsSlot >= 0 ? details[Int(detailsSlot)].singleRequestCap : nil
        if amountMillicredits > (singleRequestCap ?? flags.singleRequestCap).rawValue {
            return rejected(.requestCapExceeded)
        }
        // 5. Kill switch. 6. Shadow.
        if !flags.billingChargingEnabled {
            return CompactDebitVerdict(outcome: .free, enforcementEnabled: enforcement, tripsBreaker: false)
        }
        if (flags.shadowBillingEnabled || flags.rolloutPercentage < 100) && isShadowed(slot: slot) {
            return CompactDebitVerdict(outcome: .shadow, enforcementEnabled: enforcement, tripsBreaker: false)
        }
        // 7. Daily cap; no session id, so no session cap.
        let dailyCap = (detailsSlot >= 0 ? details[Int(detailsSlot)].dailyCap : nil) ?? flags.dailyCap
        let dayTotal = accounts[slot].chargedTotal(onDay: time.utcDayNumber)
        if dayTotal > dailyCap.rawValue - amountMillicredits { return rejected(.dailyCapExceeded) }
        // 8. Enforcement.
        let balance = accounts[slot].balance.rawValue
        if balance <= 0 && enforcement { return rejected(.insufficientCredits) }
        let (_, overflow) = balance.subtractingReportingOverflow(amountMillicredits)
        if overflow { return rejected(.balanceLimitExceeded) }
        // 9. Charged, with the anomaly rule and the circuit breaker.
        let anomaly = accounts[slot].recentCharges.isAnomaly(amountMillicredits)
        let tripsBreaker =
            anomaly && flags.anomalyCircuitBreakerEnabled
            && anomalyCount(detailsSlot: detailsSlot >= 0 ? Int(detailsSlot) : nil, at: time) + 1
                >= Self.breakerAnomalyCountMin
        return CompactDebitVerdict(
            outcome: .charged(amount, warned: balance <= 0, anomaly: anomaly), enforcementEnabled: enforcement,
            tripsBreaker: tripsBreaker)
    }

    /// The common case of ``compactDebitVerdict(slot:amount:time:)`` followed by
    /// ``apply(compactDebitOutcome:slot:seq:time:)``, fused: a recorded charge of `amount` (`warned` as recorded, no
    /// anomaly) by a user of `slot` without details (so no plan, no own caps, no anomaly history) who is active and
    /// not suspended, under flags that charge everyone (no kill switch, no shadow flag, full rollout), with the
    /// recorded enforcement `enforcementEnabled` equal to the effective one. When re-deciding it gives exactly that
    /// charge — under the request and daily caps, not refused for the balance, no overflow, not an anomaly — it folds
    /// it (the same writes as the fold) and returns true. Otherwise it changes nothing and returns false, and the
    /// caller takes the general path, which decides, reports and folds as before.
    ///
    /// Why: a verified replay re-decides and folds nearly every record here; deciding and folding apart re-read the
    /// account, re-derived the UTC day, built the verdict's enum and compared it with the recorded one, and checked
    /// the accounts' uniqueness twice (docs/benchmarks.md `verify-cpu`). Tests compare it with the general path on
    /// random streams.
    mutating func applyPlainCharge(
        slot: Int, amount: Int64, warned: Bool, enforcementEnabled: Bool, seq: Int64, time: Timestamp
    ) -> Bool {
        assert(slot >= 0 && slot < accounts.count, "the user has a slot")
        assert(enforcementEnabled == effectiveEnforcementEnabled, "the caller compared the recorded enforcement")
        // 5. Kill switch, 6. shadow: only when nobody can be shadowed; 4. the flag's request cap (no details).
        guard amount > 0, flags.billingChargingEnabled, !flags.shadowBillingEnabled, flags.rolloutPercentage >= 100,
            amount <= flags.singleRequestCap.rawValue
        else { return false }
        let (dayRoom, overflow) = flags.dailyCap.rawValue.subtractingReportingOverflow(amount)
        guard !overflow else { return false }
        let day = time.utcDayNumber
        guard
            accounts[slot].postPlainCharge(
                amount, onDay: day, dayRoomMillicredits: dayRoom, enforcementEnabled: enforcementEnabled,
                warned: warned)
        else { return false }
        recordCount += 1
        lastRecordTime = time
        liabilityTotal -= Int128(amount)
        chargedDebits.append(seq: seq, userSlot: Int32(truncatingIfNeeded: slot), charged: amount)
        return true
    }

    /// ``isShadowed(_:)`` of the user of `slot`, computed once per user and flag change (the FNV-1a hash of the id
    /// and the allowlist lookup were per debit).
    private mutating func isShadowed(slot: Int) -> Bool {
        if slot < shadowedBySlot.count, shadowedBySlot[slot] >> 1 == flagsVersion {
            return shadowedBySlot[slot] & 1 != 0
        }
        let shadowed = isShadowed(accounts[slot].userID)
        if slot >= shadowedBySlot.count {
            shadowedBySlot.append(contentsOf: repeatElement(0, count: slot + 1 - shadowedBySlot.count))
        }
        shadowedBySlot[slot] = flagsVersion << 1 | (shadowed ? 1 : 0)
        return shadowed
    }

    /// Folds a recorded compact debit with `outcome` by the user of `slot`: ``apply(debit:seq:time:)`` without the
    /// session window and the idempotency key (a compact debit has neither).
    mutating func apply(compactDebitOutcome outcome: DebitOutcome, slot: Int, seq: Int64, time: Timestamp) {
        assert(slot >= 0 && slot < accounts.count, "the user has a slot")
        recordCount += 1
        lastRecordTime = time
        switch outcome {
        case .rejected:
            return  // Rejected decisions change no state.
        case .free, .shadow:
            accounts[slot].hasLedgerActivity = true
        case .charged(let charged, _, let anomaly):
            postCharge(charged.rawValue, slot: slot, seq: seq, time: time)
            if anomaly { noteAnomaly(detailsSlot: ensureDetails(ofSlot: slot), time: time) }
        }
        // ``noticeEnforcement(slot:seq:time:)``'s fast path inline: no details (so no plan) and nothing changed.
        if accounts[slot].detailsSlot < 0,
            accounts[slot].enforcementState == (accounts[slot].suspended ? .suspended : .active)
        {
            return
        }
        noticeEnforcement(slot: slot, seq: seq, time: time)
    }
}
