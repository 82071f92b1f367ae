/// Decides one command against the state folded so far. Pure: no clock, no I/O.
///
/// `time` is the decision time (the engine already applied `max(at ?? clock, lastRecordTime)`); `seq` is the seq
/// the first record will get.
public func decide(_ command: Command, in state: State, seq: Int64, time: Timestamp) -> Decision {
    assert(state.lastRecordTime.map { $0 <= time } ?? true, "decision time never decreases")
    switch command {
    case .grant(let command): return state.decideGrant(command, seq: seq)
    case .debit(let command): return state.decideDebit(command, seq: seq, time: time)
    case .refund(let command): return state.decideRefund(command, seq: seq)
    case .setFlag(let command):
        var record = command
        record.at = nil
        var settings = state.flags
        settings.set(command.value)
        return Decision(records: [.setFlag(record)], result: state.settingsResult(seq: seq, after: settings))
    case .clearFlag(let command):
        var record = command
        record.at = nil
        var settings = state.flags
        settings.clear(command.flag)
        return Decision(records: [.clearFlag(record)], result: state.settingsResult(seq: seq, after: settings))
    case .definePlan(var command):
        command.at = nil
        return Decision(records: [.definePlan(command)], result: .applied(seq: seq))
    case .subscribe(var command):
        command.at = nil
        guard state.planSlots[command.planID] != nil else {
            return .invalid(field: "plan_id", "Unknown plan \(command.planID).")
        }
        return Decision(records: [.subscribe(command)], result: .applied(seq: seq))
    case .setOverride(var command):
        command.at = nil
        return Decision(records: [.setOverride(command)], result: .applied(seq: seq))
    case .clearOverride(var command):
        command.at = nil
        return Decision(records: [.clearOverride(command)], result: .applied(seq: seq))
    case .consume(let command): return state.decideConsume(command, seq: seq, time: time)
    case .suspend(var command):
        command.at = nil
        return Decision(records: [.suspend(command)], result: .applied(seq: seq))
    case .reinstate(var command):
        command.at = nil
        return Decision(records: [.reinstate(command)], result: .applied(seq: seq))
    case .setUserLimits(var command):
        command.at = nil
        return Decision(records: [.setUserLimits(command)], result: .applied(seq: seq))
    case .paymentEvent(let command): return state.decidePaymentDelivery(command, seq: seq)
    case .retryPaymentEvent(let command): return state.decidePaymentRetry(command, seq: seq)
    }
}

extension State {
    /// `set_flag` / `clear_flag` results carry the settings as two top-level fields.
    func settingsResult(seq: Int64, after settings: FlagSettings) -> JSONValue {
        let override = settings.enforcementOverride
        return .applied(
            seq: seq,
            [
                ("enforcement_enabled", .bool(override ?? configuration.creditEnforcementEnabled)),
                ("enforcement_source", .string(override == nil ? "config" : "override")),
            ])
    }

    func decideGrant(_ command: Command.Grant, seq: Int64) -> Decision {
        let slot = slot(of: command.userID)
        func rejected(_ code: RejectionCode) -> Decision {
            Decision(
                records: [.grant(GrantRecord(command: command, rejection: code))],
                resultStorage: .rejected(seq: seq, code, entitlementKey: nil, quota: nil))
        }
        if let key = command.idempotencyKey,
            let entry = idempotencyEntry(slot: slot, IdempotencyKey(op: .grant, key: key))
        {
            guard entry.payload == .grant(command.amount, command.source) else { return rejected(.idempotencyConflict) }
            return Decision(records: [], resultStorage: .snapshot(entry.snapshot, duplicate: true))
        }
        let balance = slot.map { accounts[$0].balance.rawValue } ?? 0
        let (balanceAfter, overflow) = balance.addingReportingOverflow(command.amount.rawValue)
        if overflow { return rejected(.balanceLimitExceeded) }
        let snapshot = ResultSnapshot.grant(seq: seq, balanceAfter: Millicredits(rawValue: balanceAfter))
        return Decision(
            records: [.grant(GrantRecord(command: command))], resultStorage: .snapshot(snapshot, duplicate: false))
    }

    func decideRefund(_ command: Command.Refund, seq: Int64) -> Decision {
        guard let slot = slot(of: command.userID), let debit = chargedDebits.entry(seq: command.debitSeq),
            Int(debit.userSlot) == slot
        else {
            return .invalid(field: "debit_seq", "debit_seq does not name an applied charged debit of this user.")
        }
        let amount = command.amount?.rawValue ?? debit.remaining
        guard amount > 0 else { return .invalid(field: "amount", "Nothing left to refund on this debit.") }
        guard amount <= debit.remaining else {
            return .invalid(field: "amount", "Refund amount exceeds what is left of the debit's charge.")
        }
        var resolved = command
        resolved.amount = Millicredits(rawValue: amount)
        let (balanceAfter, overflow) = accounts[slot].balance.rawValue.addingReportingOverflow(amount)
        if overflow {
            return Decision(
                records: [.refund(RefundRecord(command: resolved, rejection: .balanceLimitExceeded))],
                resultStorage: .rejected(seq: seq, .balanceLimitExceeded, entitlementKey: nil, quota: nil))
        }
        return Decision(
            records: [.refund(RefundRecord(command: resolved))],
            result: .applied(seq: seq, [("balance_after", .amount(Millicredits(rawValue: balanceAfter)))]))
    }
}
