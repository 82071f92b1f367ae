/// Applies one record to the state. Replay is a fold over the log.
///
/// `fold` applies the recorded outcome without re-deciding; it never traps on a record that decoded, even one
/// that could not have been decided (the verifier reports those).
public func fold(_ state: inout State, _ record: LedgerRecord, seq: Int64, time: Timestamp) {
    state.apply(record, seq: seq, time: time)
}

extension State {
    mutating func apply(_ record: LedgerRecord, seq: Int64, time: Timestamp) {
        recordCount += 1
        lastRecordTime = time
        guard record.rejection == nil else { return }  // Rejected decisions change no state.
        switch record {
        case .grant(let record): applyGrant(record, seq: seq, time: time)
        case .debit(let record): applyDebit(record, seq: seq, time: time)
        case .refund(let record):
            let slot = ensureSlot(of: record.command.userID)
            let amount = record.amount.rawValue
            accounts[slot].balance.rawValue &+= amount
            accounts[slot].hasLedgerActivity = true
            liabilityTotal += Int128(amount)
            if chargedDebits.entry(seq: record.command.debitSeq) != nil {
                chargedDebits.addRefund(seq: record.command.debitSeq, amount: amount)
            }
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .setFlag(let command): flags.set(command.value)
        case .clearFlag(let command): flags.clear(command.flag)
        case .definePlan(let command): applyDefinePlan(command, seq: seq, time: time)
        case .subscribe(let command):
            let slot = ensureSlot(of: command.userID)
            if let planSlot = planSlots[command.planID] {
                let detailsSlot = ensureDetails(ofSlot: slot)
                let previous = details[detailsSlot].planSlot
                if previous != planSlot {
                    if previous >= 0 { plans[Int(previous)].subscribers.remove(Int32(slot)) }
                    plans[Int(planSlot)].subscribers.insert(Int32(slot))
                    details[detailsSlot].planSlot = planSlot
                    details[detailsSlot].graceUsed.removeAll()
                }
            }
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .setOverride(let command):
            let slot = ensureSlot(of: command.userID)
            if command.expiresAt.map({ $0 > time }) ?? true {
                let detailsSlot = ensureDetails(ofSlot: slot)
                details[detailsSlot].overrides[command.entitlementKey] = AccountDetails.EntitlementOverride(
                    value: command.value, expiresAt: command.expiresAt)
            }
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .clearOverride(let command):
            let slot = ensureSlot(of: command.userID)
            if let detailsSlot = detailsSlot(ofSlot: slot) {
                details[detailsSlot].overrides[command.entitlementKey] = nil
            }
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .consume(let record): applyConsume(record, seq: seq, time: time)
        case .suspend(let command):
            let slot = ensureSlot(of: command.userID)
            accounts[slot].suspended = true
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .breakerSuspension(let userID):
            let slot = ensureSlot(of: userID)
            accounts[slot].suspended = true
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .reinstate(let command):
            let slot = ensureSlot(of: command.userID)
            accounts[slot].suspended = false
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .setUserLimits(let command):
            let slot = ensureSlot(of: command.userID)
            let patches = [command.singleRequestCap, command.dailyCap, command.sessionCap]
            if patches.contains(where: { $0 != .unchanged }) {
                let detailsSlot = ensureDetails(ofSlot: slot)
                Self.patch(&details[detailsSlot].singleRequestCap, with: command.singleRequestCap)
                Self.patch(&details[detailsSlot].dailyCap, with: command.dailyCap)
                Self.patch(&details[detailsSlot].sessionCap, with: command.sessionCap)
            }
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .paymentEvent, .purchaseGrant, .cashRefund, .paymentAttempt:
            applyPayment(record, seq: seq, time: time)
        }
    }

    private static func patch(_ cap: inout Millicredits?, with patch: CapPatch) {
        switch patch {
        case .unchanged: break
        case .clear: cap = nil
        case .set(let value): cap = value
        }
    }

    private mutating func register(
        slot: Int, op: IdempotencyKey.Op, key: String?, payload: IdempotencyEntry.Payload, snapshot: ResultSnapshot
    ) {
        guard let key else { return }
        let detailsSlot = ensureDetails(ofSlot: slot)
        details[detailsSlot].idempotency[IdempotencyKey(op: op, key: key)] = IdempotencyEntry(
            payload: payload, snapshot: snapshot)
    }

    private mutating func applyGrant(_ record: GrantRecord, seq: Int64, time: Timestamp) {
        let command = record.command
        let slot = ensureSlot(of: command.userID)
        accounts[slot].balance.rawValue &+= command.amount.rawValue
        accounts[slot].hasLedgerActivity = true
        liabilityTotal += Int128(command.amount.rawValue)
        register(
            slot: slot, op: .grant, key: command.idempotencyKey, payload: .grant(command.amount, command.source),
            snapshot: .grant(seq: seq, balanceAfter: accounts[slot].balance))
        noticeEnforcement(slot: slot, seq: seq, time: time)
    }

    /// ``apply(_:seq:time:)`` of `.debit(record)`, for a replay that holds debits apart from the enum
    /// (``CompactDebit``): the same steps.
    mutating func apply(debit record: DebitRecord, seq: Int64, time: Timestamp) {
        recordCount += 1
        lastRecordTime = time
        guard record.rejection == nil else { return }  // Rejected decisions change no state.
        applyDebit(record, seq: seq, time: time)
    }

    private mutating func applyDebit(_ record: DebitRecord, seq: Int64, time: Timestamp) {
        let command = record.command
        let slot = ensureSlot(of: command.userID)
        accounts[slot].hasLedgerActivity = true
        let snapshot: ResultSnapshot.DebitSnapshot
        switch record.outcome {
        case .rejected:
            assertionFailure("rejected records are not applied")
            return
        case .free, .shadow:
            let balance = accounts[slot].balance
            snapshot = ResultSnapshot.DebitSnapshot(
                mode: record.outcome == .free ? .free : .shadow, amount: command.amount, balanceAfter: balance,
                lowBalance: balance <= flags.lowBalanceThreshold, warned: false, anomaly: false)
        case .charged(let charged, let warned, let anomaly):
            let amount = charged.rawValue
            postCharge(amount, slot: slot, seq: seq, time: time)
            if command.sessionID != nil || anomaly {
                let detailsSlot = ensureDetails(ofSlot: slot)
                let windowStart = time.rawValue &- Self.sessionWindowMilliseconds
                if let sessionID = command.sessionID {
                    details[detailsSlot].sessionCharges.removeAll { $0.time.rawValue <= windowStart }
                    details[detailsSlot].sessionCharges.append(
                        AccountDetails.SessionCharge(sessionID: sessionID, time: time, amount: amount))
                }
                if anomaly { noteAnomaly(detailsSlot: detailsSlot, time: time) }
            }
            let balance = accounts[slot].balance
            snapshot = ResultSnapshot.DebitSnapshot(
                mode: .charged, amount: charged, balanceAfter: balance,
                lowBalance: balance <= flags.lowBalanceThreshold, warned: warned, anomaly: anomaly)
        }
        register(
            slot: slot, op: .debit, key: command.idempotencyKey,
            payload: .debit(command.amount, sessionID: command.sessionID), snapshot: .debit(seq: seq, snapshot))
        noticeEnforcement(slot: slot, seq: seq, time: time)
    }

    /// A charged debit's effect on the user's balance, the liability, the day's and the recent charges and the
    /// charged-debit ledger: one place for the general fold and the compact one
    /// (``apply(compactDebitOutcome:slot:seq:time:)``).
    /// Marks the account's ledger activity too (both callers have).
    mutating func postCharge(_ amount: Int64, slot: Int, seq: Int64, time: Timestamp) {
        accounts[slot].post(charge: amount, onDay: time.utcDayNumber)
        liabilityTotal -= Int128(amount)
        chargedDebits.append(seq: seq, userSlot: Int32(slot), charged: amount)
    }

    /// An anomalous charge at `time`, with the times that fell out of the breaker's window dropped.
    mutating func noteAnomaly(detailsSlot: Int, time: Timestamp) {
        let anomalyWindowStart = time.rawValue &- Self.anomalyWindowMilliseconds
        details[detailsSlot].anomalyTimes.removeAll { $0.rawValue <= anomalyWindowStart }
        details[detailsSlot].anomalyTimes.append(time)
    }

    private mutating func applyConsume(_ record: ConsumeRecord, seq: Int64, time: Timestamp) {
        let command = record.command
        let slot = ensureSlot(of: command.userID)
        let evaluation = evaluateConsume(slot: slot, key: command.entitlementKey, at: time)
        let snapshot = evaluation.snapshot(outcome: record.outcome, quantity: command.quantity)
        let detailsSlot = ensureDetails(ofSlot: slot)
        details[detailsSlot].usage[evaluation.usageKey] = snapshot.usageAfter
        if record.outcome == .grace {
            details[detailsSlot].graceUsed[command.entitlementKey, default: 0] &+= command.quantity
        }
        register(
            slot: slot, op: .consume, key: command.idempotencyKey,
            payload: .consume(entitlementKey: command.entitlementKey, quantity: command.quantity),
            snapshot: .consume(seq: seq, snapshot))
        noticeEnforcement(slot: slot, seq: seq, time: time)
    }

    private mutating func applyDefinePlan(_ command: Command.DefinePlan, seq: Int64, time: Timestamp) {
        if let planSlot = planSlots[command.planID] {
            let subscribers = plans[Int(planSlot)].subscribers
            var plan = Plan(definition: command)
            plan.subscribers = subscribers
            plans[Int(planSlot)] = plan
            // Every subscriber's state is recomputed at this record's time; each user is independent, so the order
            // of this loop never shows in any output.
            for subscriber in subscribers {
                noticeEnforcement(slot: Int(subscriber), seq: seq, time: time)
            }
        } else {
            planSlots[command.planID] = Int32(plans.count)
            plans.append(Plan(definition: command))
        }
    }
}
