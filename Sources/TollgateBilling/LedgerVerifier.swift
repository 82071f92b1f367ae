/// Replay verification at the billing level: feed every record in log order; it folds, re-decides each recorded
/// command from the state before it and checks the invariants of SEMANTICS.md ("Invariants a replay checks").
///
/// Log-level checks (checksums, chain, seq contiguity, time never decreasing) belong to the engine.
public struct LedgerVerifier: Sendable {
    public private(set) var state: State
    private var violations: [Violation] = []
    /// The second record a re-decided command appended (a debit's breaker suspension, a payment event's first
    /// attempt), which the next record must be.
    private var expectedBreaker: (record: LedgerRecord, debitSeq: Int64)? {
        didSet { expectsFollower = expectedBreaker != nil }
    }
    /// `expectedBreaker != nil`, kept beside it: the per-debit test reads a flag instead of the optional enum's tag.
    private var expectsFollower = false
    /// Σ grants + Σ refunds − Σ charged debits per user, summed from the records themselves.
    private var ledgerSums = LedgerSums()
    /// The state's slot of each user key a caller has named (``check(seq:time:decoded:userKey:)``); -1: the user
    /// has no slot yet. Lets a replay that numbers its users anyway skip hashing the user id per record.
    private var slotsByUserKey: [Int32] = []
    /// The user id of each user key, in order of first sight (keys are dense and given in that order): what a
    /// ``KeyedDebit`` of a user without a slot yet is checked with.
    private var userIDsByKey: [String] = []

    /// How many violations are kept; a log broken everywhere should not exhaust memory.
    static let violationCountMax = 10_000

    public init(configuration: BillingConfiguration) {
        state = State(configuration: configuration)
    }

    /// Prepares for about `records` more records (an estimate: more or fewer only costs the growth it would have
    /// cost anyway): the per-debit table of charged debits is reserved once instead of doubled as it fills, and so
    /// are the accounts, up to ``reservedAccountCountMax`` (a user needs a record, so never more than `records`).
    /// Reserved room that is never written costs no memory (the allocation is only mapped); growing the accounts by
    /// doubling had copied and page-faulted them about twice over on the verifying thread.
    public mutating func reserveCapacity(records: Int) {
        let records = max(0, records)
        state.chargedDebits.reserveCapacity(records)
        state.accounts.reserveCapacity(min(records, Self.reservedAccountCountMax))
    }

    /// The most accounts ``reserveCapacity(records:)`` reserves: 65,536 × 128 bytes = 8 MiB of address space; a log
    /// of more users grows them as before past that.
    static let reservedAccountCountMax = 1 << 16

    /// The bytes reserved for the charged-debit ledger (``reserveCapacity(records:)``), written or not, as an
    /// address range for a caller that may make system calls to advise the kernel about (the replay asks for huge
    /// pages: its first touches of this table were a third of its page faults, docs/benchmarks.md `replay-pages`).
    /// Billing stays pure: it only tells where its storage is. Not to be read or written through; valid only during
    /// `body` (the next mutation of the verifier may move the storage).
    public func withReservedTableBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try state.chargedDebits.withReservedBytes(body)
    }

    /// Decodes, checks and folds one record; returns it decoded (nil when it does not decode, which is reported),
    /// so that other projections of the same replay need not decode it again.
    @discardableResult
    public mutating func check(seq: Int64, time recordedTime: Timestamp, typeTag: UInt8, body: [UInt8])
        -> LedgerRecord?
    {
        check(seq: seq, time: recordedTime, decoded: LedgerRecord.decode(typeTag: typeTag, body: body))
    }

    /// Checks and folds one record already decoded (``LedgerRecord/decode(typeTag:body:)``), so that a replay can
    /// decode on another thread ahead of the checks; same checks and violations as ``check(seq:time:typeTag:body:)``.
    @discardableResult
    public mutating func check(
        seq: Int64, time recordedTime: Timestamp, decoded: Result<LedgerRecord, RecordDecodingError>
    ) -> LedgerRecord? {
        check(seq: seq, time: recordedTime, decoded: decoded, userKey: -1)
        return try? decoded.get()
    }

    /// ``check(seq:time:decoded:)`` with the caller's key for the record's user: a dense number ≥ 0 that the caller
    /// gives each distinct user id (the same id always the same key, two ids never one key), or -1 for none.
    /// The verifier then finds the user's slot by the key instead of hashing the id; same checks, same violations.
    /// Returns nothing (handing the record back cost a copy per record in a replay).
    public mutating func check(
        seq: Int64, time recordedTime: Timestamp, decoded: Result<LedgerRecord, RecordDecodingError>,
        userKey: Int32
    ) {
        switch decoded {
        case .success(let record):
            if userKey >= 0 && Int(userKey) == userIDsByKey.count, let userID = record.userID {
                userIDsByKey.append(userID)
            }
            check(record, seq: seq, recordedTime: recordedTime, userKey: userKey)
        case .failure(let error):
            report("record_decodes", seq, error.description)
        }
    }

    private mutating func check(_ record: LedgerRecord, seq: Int64, recordedTime: Timestamp, userKey: Int32) {
        // The engine reports a decreasing time as a log-level violation; here it is clamped so that the billing
        // checks still run (and `decide`'s precondition on time holds).
        let time = max(recordedTime, state.lastRecordTime ?? recordedTime)
        if let expected = expectedBreaker {
            expectedBreaker = nil
            if record == expected.record {
                foldAndCheck(
                    record, seq: seq, time: time, slotBefore: record.userID.flatMap { focusSlot(of: $0, userKey) },
                    userKey: userKey)
                return
            }
            report(
                Self.followerInvariant(expected.record), expected.debitSeq,
                Self.followerDetail(expected.record) + " but seq \(seq) is not it")
        }
        if case .debit(let recorded) = record {
            // Debits (almost every record) are re-decided without building a `Command` or a `Decision`.
            let slotBefore = focusSlot(of: recorded.command.userID, userKey)
            checkBeforeFold(record, seq: seq, time: time, slot: slotBefore)
            redecideDebit(recorded, seq: seq, time: time)
            foldAndCheck(record, seq: seq, time: time, slotBefore: slotBefore, userKey: userKey)
            return
        }
        guard let command = record.command else {
            report("decision_replays", seq, "circuit breaker suspension without a debit that trips it")
            fold(&state, record, seq: seq, time: time)
            return
        }
        // The record's user slot is looked up once and handed to every check (a hash of the user id per check was
        // the largest cost of a verified replay). Slots are never removed, so the slot before the fold stays valid.
        let userID = record.userID
        var slotBefore: Int?
        if let userID { slotBefore = focusSlot(of: userID, userKey) }
        checkBeforeFold(record, seq: seq, time: time, slot: slotBefore)
        let decision = decide(command, in: state, seq: seq, time: time)
        if let first = decision.records.first {
            if first != record {
                report("decision_replays", seq, "recorded \(record.summary), re-decided \(first.summary)")
            } else if decision.records.count > 1 {
                expectedBreaker = (decision.records[1], seq)
            }
        } else {
            report("decision_replays", seq, "recorded \(record.summary), re-decided as \(decision.result.rendered)")
        }
        foldAndCheck(record, seq: seq, time: time, slotBefore: slotBefore, userKey: userKey)
    }

    /// ``check(seq:time:decoded:userKey:)`` of `.success(.debit(debit.record))`, without the enum: a replay hands
    /// its debits over as ``CompactDebit``s. Same checks in the same order, same violations (the enum path's debit
    /// steps are the functions called here).
    public mutating func check(seq: Int64, time recordedTime: Timestamp, debit: CompactDebit, userKey: Int32) {
        if userKey >= 0 && Int(userKey) == userIDsByKey.count { userIDsByKey.append(debit.userID) }
        if !expectsFollower, let slot = knownSlot(userKey) {
            checkKnownUser(seq: seq, recordedTime: recordedTime, debit: KeyedDebit(debit), slot: slot)
            return
        }
        let recorded = debit.record
        guard expectedBreaker == nil else {
            // The record after a debit that tripped the breaker: the general path reports the missing suspension.
            check(.debit(recorded), seq: seq, recordedTime: recordedTime, userKey: userKey)
            return
        }
        let time = max(recordedTime, state.lastRecordTime ?? recordedTime)
        let userID = debit.userID
        let slotBefore = focusSlot(of: userID, userKey)
        checkDebitBeforeFold(recorded, seq: seq, slot: slotBefore)
        redecideDebit(recorded, seq: seq, time: time)
        // `foldAndCheck`, for a debit.
        let balanceBefore: Int64? = balance(ofSlot: slotBefore)
        let liabilityBefore = state.liabilityTotal
        state.apply(debit: recorded, seq: seq, time: time)
        let slotAfter = slotBefore ?? state.slot(of: userID)
        if slotBefore == nil, let slotAfter { remember(slot: slotAfter, userKey: userKey) }
        ledgerSums.focus(userID: userID, slot: slotAfter)
        let balanceAfter: Int64? = balance(ofSlot: slotAfter)
        checkDebitAfterFold(
            recorded, seq: seq, balanceBefore: balanceBefore, balanceAfter: balanceAfter,
            liabilityBefore: liabilityBefore)
    }

    /// ``check(seq:time:debit:userKey:)`` of `debit.named(id)`, where `id` is the user id an earlier record named
    /// with `userKey` (a replay's reader hands a debit this way once its user has a key): no `String` per record.
    public mutating func check(seq: Int64, time recordedTime: Timestamp, debit: KeyedDebit, userKey: Int32) {
        precondition(userKey >= 0 && Int(userKey) < userIDsByKey.count, "an earlier record named the user's key")
        if !expectsFollower, let slot = knownSlot(userKey) {
            checkKnownUser(seq: seq, recordedTime: recordedTime, debit: debit, slot: slot)
            return
        }
        check(seq: seq, time: recordedTime, debit: debit.named(userIDsByKey[Int(userKey)]), userKey: userKey)
    }

    /// The slot the verifier has seen `userKey` with, if any.
    private func knownSlot(_ userKey: Int32) -> Int? {
        guard userKey >= 0, Int(userKey) < slotsByUserKey.count else { return nil }
        let known = slotsByUserKey[Int(userKey)]
        return known >= 0 ? Int(known) : nil
    }

    /// ``check(seq:time:debit:userKey:)`` of a user who has a slot, by the slot alone: the same checks, in the same
    /// order and words, as ``checkDebitBeforeFold(_:seq:slot:)``, ``redecideDebit(_:seq:time:)``, the fold and
    /// ``checkDebitAfterFold(_:seq:balanceBefore:balanceAfter:liabilityBefore:)``, through
    /// ``State/compactDebitVerdict(slot:amount:time:)`` and ``State/apply(compactDebitOutcome:slot:seq:time:)``;
    /// the `DebitRecord` is built only for a report, and the user id (the account's) read only then and for the
    /// breaker's suspension.
    @inline(__always)
    private mutating func checkKnownUser(seq: Int64, recordedTime: Timestamp, debit: KeyedDebit, slot: Int) {
        // Nearly every record: a plain charge that re-decides as recorded, so no check below reports anything and
        // the fold is the charge alone (``State/applyPlainCharge(slot:amount:warned:enforcementEnabled:seq:time:)``
        // folds it only then; else it changes nothing and the steps below run as they always did). Inlined into
        // the callers, so that the general steps' frame is set up only for the records that need them.
        if checkPlainCharge(seq: seq, recordedTime: recordedTime, debit: debit, slot: slot) { return }
        checkKnownUserInGeneral(seq: seq, recordedTime: recordedTime, debit: debit, slot: slot)
    }

    /// ``checkKnownUser(seq:recordedTime:debit:slot:)``'s fused plain charge: true when it checked and folded the
    /// record (nothing to report), false when it changed nothing.
    @inline(__always)
    private mutating func checkPlainCharge(seq: Int64, recordedTime: Timestamp, debit: KeyedDebit, slot: Int) -> Bool {
        guard case .charged(let charged, let warned, anomaly: false) = debit.outcome, charged == debit.amount,
            debit.enforcementEnabled == state.effectiveEnforcementEnabled
        else { return false }
        let time = max(recordedTime, state.lastRecordTime ?? recordedTime)
        guard
            state.applyPlainCharge(
                slot: slot, amount: charged.rawValue, warned: warned, enforcementEnabled: debit.enforcementEnabled,
                seq: seq, time: time)
        else { return false }
        ledgerSums.add(-Int128(charged.rawValue), slot: slot)
        return true
    }

    /// ``checkKnownUser(seq:recordedTime:debit:slot:)``'s general steps.
    @inline(never)
    private mutating func checkKnownUserInGeneral(seq: Int64, recordedTime: Timestamp, debit: KeyedDebit, slot: Int) {
        let time = max(recordedTime, state.lastRecordTime ?? recordedTime)
        // Before the fold (a compact debit has no idempotency key to check).
        let enforcement = state.effectiveEnforcementEnabled
        if debit.enforcementEnabled != enforcement {
            report(
                "recorded_enforcement_matches", seq,
                "debit recorded enforcement \(debit.enforcementEnabled) but the configuration and flags give "
                    + "\(enforcement)")
        }
        let balanceBefore = state.accounts[slot].balance.rawValue
        if case .charged = debit.outcome, debit.enforcementEnabled && balanceBefore <= 0 {
            report(
                "no_charge_under_enforcement_at_non_positive_balance", seq,
                "charged debit with enforcement on at balance \(Millicredits(rawValue: balanceBefore).formatted)")
        }
        // Re-decided from the state before it.
        let verdict = state.compactDebitVerdict(slot: slot, amount: debit.amount, time: time)
        if verdict.outcome != debit.outcome || verdict.enforcementEnabled != debit.enforcementEnabled {
            let recorded = debit.named(state.accounts[slot].userID).record
            let first = LedgerRecord.debit(
                DebitRecord(
                    command: recorded.command, enforcementEnabled: verdict.enforcementEnabled,
                    outcome: verdict.outcome))
            let summary = LedgerRecord.debit(recorded).summary
            report("decision_replays", seq, "recorded \(summary), re-decided \(first.summary)")
        } else if verdict.tripsBreaker {
            expectedBreaker = (.breakerSuspension(userID: state.accounts[slot].userID), seq)
        }
        // The fold, then the checks against the state before it.
        let liabilityBefore = state.liabilityTotal
        state.apply(compactDebitOutcome: debit.outcome, slot: slot, seq: seq, time: time)
        let balanceAfter = state.accounts[slot].balance.rawValue
        switch debit.outcome {
        case .rejected:
            if balanceAfter != balanceBefore || state.liabilityTotal != liabilityBefore {
                report("rejected_changes_nothing", seq, "a rejected record changed a balance")
            }
        case .charged(let charged, _, _):
            ledgerSums.add(-Int128(charged.rawValue), slot: slot)
        case .free, .shadow:
            ledgerSums.add(0, slot: slot)  // Listed in balances, unchanged.
            if balanceAfter != balanceBefore {
                report(
                    "shadow_free_balance_unchanged", seq,
                    "a \(debit.outcome == .free ? "free" : "shadow") debit changed the balance")
            }
        }
    }

    /// Re-decides a recorded debit from the state before it (``State/debitVerdict(_:seq:time:)``) and reports what
    /// `decide` would disagree with, in the words the general path uses. The re-decided record would carry the
    /// recorded command with its `at` cleared, so it equals the recorded one exactly when the outcome and the
    /// enforcement match and the recorded command has no `at` (decoding never gives one).
    private mutating func redecideDebit(_ recorded: DebitRecord, seq: Int64, time: Timestamp) {
        assert(state.lastRecordTime.map { $0 <= time } ?? true, "decision time never decreases")
        let verdict = state.debitVerdict(recorded.command, seq: seq, time: time)
        guard let outcome = verdict.outcome else {
            let result = Decision(records: [], resultStorage: verdict.resultStorage).result
            let summary = LedgerRecord.debit(recorded).summary
            report("decision_replays", seq, "recorded \(summary), re-decided as \(result.rendered)")
            return
        }
        if outcome != recorded.outcome || verdict.enforcementEnabled != recorded.enforcementEnabled
            || recorded.command.at != nil
        {
            let first = LedgerRecord.debit(
                DebitRecord(command: recorded.command, enforcementEnabled: verdict.enforcementEnabled, outcome: outcome))
            let summary = LedgerRecord.debit(recorded).summary
            report("decision_replays", seq, "recorded \(summary), re-decided \(first.summary)")
        } else if verdict.tripsBreaker {
            expectedBreaker = (.breakerSuspension(userID: recorded.command.userID), seq)
        }
    }

    /// The state's slot of `userID` (nil: none yet), found by `userKey` when the verifier has seen the key with a
    /// slot, else by hashing the id; either way the state remembers it for the `decide` and `fold` that follow.
    private mutating func focusSlot(of userID: String, _ userKey: Int32) -> Int? {
        if userKey >= 0, Int(userKey) < slotsByUserKey.count {
            let known = slotsByUserKey[Int(userKey)]
            if known >= 0 {
                state.focus(userID: userID, slot: known)
                return Int(known)
            }
        }
        let slot = state.focusSlot(of: userID)
        if let slot { remember(slot: slot, userKey: userKey) }
        return slot
    }

    private mutating func remember(slot: Int, userKey: Int32) {
        guard userKey >= 0 else { return }
        let key = Int(userKey)
        if key >= slotsByUserKey.count {
            slotsByUserKey.append(contentsOf: repeatElement(-1, count: key + 1 - slotsByUserKey.count))
        }
        slotsByUserKey[key] = Int32(slot)
    }

    /// Folds `record` and runs the checks that compare the state before and after it.
    private mutating func foldAndCheck(
        _ record: LedgerRecord, seq: Int64, time: Timestamp, slotBefore: Int?, userKey: Int32
    ) {
        let userID = record.userID
        let balanceBefore: Int64? = userID == nil ? nil : balance(ofSlot: slotBefore)
        let liabilityBefore = state.liabilityTotal
        fold(&state, record, seq: seq, time: time)
        // A grant may have given the user its slot.
        let slotAfter = slotBefore ?? userID.flatMap { state.slot(of: $0) }
        if slotBefore == nil, let slotAfter { remember(slot: slotAfter, userKey: userKey) }
        ledgerSums.focus(userID: userID, slot: slotAfter)
        let balanceAfter: Int64? = userID == nil ? nil : balance(ofSlot: slotAfter)
        checkAfterFold(
            record, seq: seq, balanceBefore: balanceBefore, balanceAfter: balanceAfter, liabilityBefore: liabilityBefore)
    }

    /// End-of-log checks (ledger sums, liability); returns every violation found so far.
    ///
    /// `stoppedEarly`: replay stopped before the end of the log (`--until-seq`, `--until`), so a debit whose
    /// breaker suspension lies beyond the stop is not reported.
    public mutating func finish(stoppedEarly: Bool = false) -> [Violation] {
        finish(stoppedEarly: stoppedEarly, balanceSlots: state.balanceSlots())
    }

    /// ``finish(stoppedEarly:)`` given `state.balanceSlots()`, which the caller also needs (the replay's report): the
    /// users are sorted once. The balance equation is checked by slot (no dictionary of every user's sum).
    package mutating func finish(stoppedEarly: Bool = false, balanceSlots: [Int]) -> [Violation] {
        var all = violations
        if let expected = expectedBreaker, !stoppedEarly {
            all.append(
                Violation(
                    invariant: Self.followerInvariant(expected.record), seq: expected.debitSeq,
                    detail: Self.followerDetail(expected.record) + " but the log ends before it"))
        }
        var total: Int128 = 0
        for slot in balanceSlots {
            assert(state.accounts[slot].hasLedgerActivity, "a balance slot has ledger activity")
            let balance = state.accounts[slot].balance
            total += Int128(balance.rawValue)
            let expected = ledgerSums.sum(slot: slot, userID: state.accounts[slot].userID) ?? 0
            if expected != Int128(balance.rawValue) {
                all.append(
                    Violation(
                        invariant: "balance_equation", seq: nil,
                        detail: "user \(state.accounts[slot].userID): balance \(balance.formatted) but grants + "
                            + "refunds − charged debits = \(State.formatAmount(expected))"))
            }
        }
        for userID in ledgerSums.userIDsWithoutActivity(in: state) {
            all.append(
                Violation(
                    invariant: "balance_equation", seq: nil, detail: "user \(userID) has ledger records but no balance")
            )
        }
        if total != state.liabilityTotal {
            all.append(
                Violation(
                    invariant: "liability_equals_sum", seq: nil,
                    detail: "liability \(State.formatAmount(state.liabilityTotal)) but Σ balances = "
                        + State.formatAmount(total)))
        }
        return all
    }

    private static func followerInvariant(_ record: LedgerRecord) -> String {
        if case .breakerSuspension = record { return "circuit_breaker_follows_debit" }
        return "payment_attempt_follows_event"
    }

    private static func followerDetail(_ record: LedgerRecord) -> String {
        if case .breakerSuspension = record { return "the debit tripped the circuit breaker and needs its suspension" }
        return "the payment event needs its first attempt (\(record.summary)) right after it"
    }

    private mutating func report(_ invariant: String, _ seq: Int64?, _ detail: String) {
        guard violations.count < Self.violationCountMax else { return }
        violations.append(Violation(invariant: invariant, seq: seq, detail: detail))
    }

    /// A user without a slot has balance 0. Not a closure over `self` (`userID.map(balance(of:))` copied the whole
    /// verifier, state included, for every record).
    private func balance(ofSlot slot: Int?) -> Int64 {
        guard let slot else { return 0 }
        return state.accounts[slot].balance.rawValue
    }

    /// Checks that need the state before the record; `slot` is the record's user's slot before it.
    private mutating func checkBeforeFold(_ record: LedgerRecord, seq: Int64, time: Timestamp, slot: Int?) {
        switch record {
        case .debit(let r): checkDebitBeforeFold(r, seq: seq, slot: slot)
        case .grant(let r):
            if r.rejection == nil { checkKeyUnused(r.command.userID, slot, .grant, r.command.idempotencyKey, seq: seq) }
        case .consume(let r):
            if r.rejection == nil {
                checkKeyUnused(r.command.userID, slot, .consume, r.command.idempotencyKey, seq: seq)
            }
            if r.outcome == .grace {
                let evaluation = state.evaluateConsume(
                    slot: slot, key: r.command.entitlementKey,
                    at: time)
                let remaining = evaluation.graceRemaining ?? 0
                if remaining < r.command.quantity {
                    report(
                        "grace_within_remaining", seq,
                        "grace consume of \(r.command.quantity) with grace remaining \(remaining)")
                }
            }
        case .refund(let r) where r.rejection == nil:
            if let debit = state.chargedDebits.entry(seq: r.command.debitSeq),
                slot == Int(debit.userSlot)
            {
                if r.amount.rawValue > debit.remaining {
                    report(
                        "refund_within_charge", seq,
                        "refund of \(r.amount.formatted) exceeds the \(Millicredits(rawValue: debit.remaining).formatted) "
                            + "left of debit seq \(r.command.debitSeq)")
                }
            } else {
                report(
                    "refund_within_charge", seq,
                    "refund links to seq \(r.command.debitSeq), which is not a charged debit of this user")
            }
        default:
            break
        }
    }

    /// ``checkBeforeFold(_:seq:time:slot:)`` of a debit.
    private mutating func checkDebitBeforeFold(_ r: DebitRecord, seq: Int64, slot: Int?) {
        if r.enforcementEnabled != state.effectiveEnforcementEnabled {
            report(
                "recorded_enforcement_matches", seq,
                "debit recorded enforcement \(r.enforcementEnabled) but the configuration and flags give "
                    + "\(state.effectiveEnforcementEnabled)")
        }
        if case .charged = r.outcome {
            let before = balance(ofSlot: slot)
            if r.enforcementEnabled && before <= 0 {
                report(
                    "no_charge_under_enforcement_at_non_positive_balance", seq,
                    "charged debit with enforcement on at balance \(Millicredits(rawValue: before).formatted)")
            }
        }
        if r.rejection == nil { checkKeyUnused(r.command.userID, slot, .debit, r.command.idempotencyKey, seq: seq) }
    }

    private mutating func checkKeyUnused(
        _ userID: String, _ slot: Int?, _ op: IdempotencyKey.Op, _ key: String?, seq: Int64
    ) {
        guard let key, state.idempotencyEntry(slot: slot, IdempotencyKey(op: op, key: key)) != nil
        else { return }
        report("idempotency_key_applied_once", seq, "idempotency key \(key) of user \(userID) applied twice")
    }

    /// Checks that compare the state before and after, and the ledger sums.
    private mutating func checkAfterFold(
        _ record: LedgerRecord, seq: Int64, balanceBefore: Int64?, balanceAfter: Int64?, liabilityBefore: Int128
    ) {
        if case .debit(let r) = record {
            checkDebitAfterFold(
                r, seq: seq, balanceBefore: balanceBefore, balanceAfter: balanceAfter, liabilityBefore: liabilityBefore)
            return
        }
        if record.rejection != nil {
            if balanceAfter != balanceBefore || state.liabilityTotal != liabilityBefore {
                report("rejected_changes_nothing", seq, "a rejected record changed a balance")
            }
            return
        }
        switch record {
        case .grant(let r): ledgerSums[r.command.userID, default: 0] += Int128(r.command.amount.rawValue)
        case .refund(let r): ledgerSums[r.command.userID, default: 0] += Int128(r.amount.rawValue)
        case .purchaseGrant(let r): ledgerSums[r.userID, default: 0] += Int128(r.amount.rawValue)
        case .cashRefund(let r): ledgerSums[r.userID, default: 0] -= Int128(r.amount.rawValue)
        default:
            break
        }
    }

    /// ``checkAfterFold(_:seq:balanceBefore:balanceAfter:liabilityBefore:)`` of a debit.
    private mutating func checkDebitAfterFold(
        _ r: DebitRecord, seq: Int64, balanceBefore: Int64?, balanceAfter: Int64?, liabilityBefore: Int128
    ) {
        switch r.outcome {
        case .rejected:
            if balanceAfter != balanceBefore || state.liabilityTotal != liabilityBefore {
                report("rejected_changes_nothing", seq, "a rejected record changed a balance")
            }
        case .charged(let charged, _, _):
            ledgerSums[r.command.userID, default: 0] -= Int128(charged.rawValue)
        case .free, .shadow:
            ledgerSums[r.command.userID, default: 0] += 0  // Listed in balances, unchanged.
            if balanceAfter != balanceBefore {
                report(
                    "shadow_free_balance_unchanged", seq,
                    "a \(r.outcome == .free ? "free" : "shadow") debit changed the balance")
            }
        }
    }
}
