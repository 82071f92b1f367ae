import Testing

@testable import TollgateBilling

/// The slot-keyed debit path (`State.compactDebitVerdict`, `State.apply(compactDebitOutcome:…)`, the verifier's
/// `checkKnownUser`) against the general one (`debitVerdict`, `fold`, the enum checks) on random command streams —
/// flag flips, partial rollouts and allowlists, shadow and kill switch, caps of users and flags, overrides, plans,
/// suspensions, the anomaly rule and the breaker — clean and with tampered debits.
@Suite struct CompactDebitPathTests {
    typealias Logged = BillingHarness.LoggedRecord

    static let seeds = 0..<16 as Range<UInt64>

    static func run(_ seed: UInt64) -> ModelPropertyTests.Run {
        ModelPropertyTests.run(seed: seed, enforcement: seed % 2 == 1, checkEachStep: false)
    }

    /// The recorded debit of `entry` when it is a compact one.
    static func compactDebit(_ entry: Logged) -> CompactDebit? {
        guard entry.typeTag == CompactDebit.typeTag else { return nil }
        return entry.body.withUnsafeBytes { LedgerRecord.decodeCompactDebit(bodyBytes: $0) }
    }

    /// A keyed debit decodes exactly when a compact one does, with the same fields and the id's bytes; on random
    /// logs, clean and with garbled bodies.
    @Test(arguments: seeds)
    func keyedDebitsDecodeAsCompactOnes(seed: UInt64) {
        let run = Self.run(seed)
        let bodies = LedgerVerifierTests.bodiesWithFlippedCopies(run.harness.log, seed: seed &+ 7000)
        var keyedCount = 0
        for body in bodies {
            let compact = body.withUnsafeBytes { LedgerRecord.decodeCompactDebit(bodyBytes: $0) }
            let keyed = body.withUnsafeBytes { raw in
                LedgerRecord.decodeKeyedDebit(bodyBytes: raw).map { ($0.debit, Array($0.userIDBytes)) }
            }
            #expect(keyed?.0 == compact.map(KeyedDebit.init))
            #expect(keyed?.1 == compact.map { Array($0.userID.utf8) })
            if keyed != nil { keyedCount += 1 }
        }
        #expect(keyedCount > 0)
    }

    /// Before every record of a random log, every user with a slot and several amounts (the record's own among them)
    /// are re-decided both ways: the same outcome, enforcement and breaker.
    @Test(arguments: seeds)
    func theSlotVerdictIsTheGeneralVerdict(seed: UInt64) {
        let run = Self.run(seed)
        var random = BillingSplitMix64(seed: seed &+ 5000)
        var state = State(configuration: run.harness.state.configuration)
        var compared = 0
        var outcomes: Set<String> = []
        for entry in run.harness.log {
            let time = max(entry.time, state.lastRecordTime ?? entry.time)
            var amounts: [Int64] = [
                Int64.random(in: 1...2_000, using: &random), Int64.random(in: 1...200_000, using: &random),
                Int64.random(in: 1...9_000_000_000_000_000, using: &random),
            ]
            if let debit = Self.compactDebit(entry) { amounts.append(debit.amount.rawValue) }
            for slot in state.accounts.indices {
                for amount in amounts {
                    let millicredits = Millicredits(rawValue: amount)
                    let general = state.debitVerdict(
                        Command.Debit(userID: state.accounts[slot].userID, amount: millicredits), seq: entry.seq,
                        time: time)
                    let bySlot = state.compactDebitVerdict(slot: slot, amount: millicredits, time: time)
                    #expect(general.outcome == bySlot.outcome, "seed \(seed) seq \(entry.seq) slot \(slot)")
                    #expect(general.enforcementEnabled == bySlot.enforcementEnabled)
                    #expect(general.tripsBreaker == bySlot.tripsBreaker, "seed \(seed) seq \(entry.seq)")
                    outcomes.insert("\(bySlot.outcome)".prefix(12).description)
                    compared += 1
                }
            }
            fold(&state, try! LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body).get(), seq: entry.seq,
                time: time)
        }
        #expect(compared > 1000)
        #expect(outcomes.count >= 3, "\(outcomes)")
    }

    /// The fused plain charge (`State.applyPlainCharge`) against the verdict and the fold apart: before every record
    /// of a random log, for every user with a slot, several amounts (the record's own among them) and both `warned`
    /// values, it folds exactly when the verdict is that charge with no anomaly by a plain user (no details, active,
    /// not suspended) under plain flags (charging on, no shadow flag, full rollout) — leaving the state byte for byte
    /// as `apply(compactDebitOutcome:)` does — and otherwise changes nothing (the caller then takes the general path).
    @Test(arguments: seeds)
    func thePlainChargeIsTheVerdictAndTheFold(seed: UInt64) {
        let run = Self.run(seed)
        var random = BillingSplitMix64(seed: seed &+ 8000)
        var state = State(configuration: run.harness.state.configuration)
        var compared = 0
        for entry in run.harness.log {
            let time = max(entry.time, state.lastRecordTime ?? entry.time)
            var amounts: [Int64] = [
                Int64.random(in: 1...2_000, using: &random), Int64.random(in: 1...200_000, using: &random),
            ]
            if let debit = Self.compactDebit(entry) { amounts.append(debit.amount.rawValue) }
            let plainFlags =
                state.flags.billingChargingEnabled && !state.flags.shadowBillingEnabled
                && state.flags.rolloutPercentage >= 100
            let before = state.snapshotBytes()
            for slot in state.accounts.indices {
                let account = state.accounts[slot]
                let plainUser = account.detailsSlot < 0 && !account.suspended && account.enforcementState == .active
                for amount in amounts {
                    for warned in [false, true] {
                        var verdictState = state
                        let verdict = verdictState.compactDebitVerdict(
                            slot: slot, amount: Millicredits(rawValue: amount), time: time)
                        let expected = DebitOutcome.charged(
                            Millicredits(rawValue: amount), warned: warned, anomaly: false)
                        var fused = state
                        let folded = fused.applyPlainCharge(
                            slot: slot, amount: amount, warned: warned,
                            enforcementEnabled: state.effectiveEnforcementEnabled, seq: entry.seq, time: time)
                        #expect(
                            folded == (plainFlags && plainUser && verdict.outcome == expected),
                            "seed \(seed) seq \(entry.seq) slot \(slot)")
                        if folded {
                            #expect(!verdict.tripsBreaker)
                            var apart = state
                            apart.apply(compactDebitOutcome: expected, slot: slot, seq: entry.seq, time: time)
                            #expect(fused.snapshotBytes() == apart.snapshotBytes(), "seed \(seed) seq \(entry.seq)")
                            #expect(fused.lastRecordTime == apart.lastRecordTime)
                        } else {
                            #expect(fused.snapshotBytes() == before, "seed \(seed) seq \(entry.seq) slot \(slot)")
                        }
                        compared += 1
                    }
                }
            }
            fold(&state, try! LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body).get(), seq: entry.seq,
                time: time)
        }
        #expect(compared > 1000)
    }

    /// The plain charge is taken for a plain user and declined — changing nothing — for each thing that makes a
    /// charge other than plain: a mismatched `warned`, an amount over the request cap, the kill switch, a shadow flag,
    /// a partial rollout, a non-positive balance under enforcement, the daily cap, an anomaly, a suspension.
    @Test func thePlainChargeIsTakenOnlyWhenPlain() {
        var harness = BillingHarness(enforcement: true)
        _ = harness.apply(.grant(Command.Grant(userID: "alice", amount: .credits(100), source: .purchase)))
        let time = harness.clock
        func attempt(_ state: State, amount: Int64, warned: Bool = false, seq: Int64 = 100) -> Bool {
            var copy = state
            let before = copy.snapshotBytes()
            let folded = copy.applyPlainCharge(
                slot: 0, amount: amount, warned: warned, enforcementEnabled: copy.effectiveEnforcementEnabled,
                seq: seq, time: time)
            if !folded { #expect(copy.snapshotBytes() == before) }
            return folded
        }
        let plain = harness.state
        #expect(attempt(plain, amount: 1_000))
        #expect(!attempt(plain, amount: 1_000, warned: true))
        #expect(!attempt(plain, amount: plain.flags.singleRequestCap.rawValue + 1))
        var flags = plain
        flags.flags.billingChargingEnabled = false
        #expect(!attempt(flags, amount: 1_000))
        flags = plain
        flags.flags.shadowBillingEnabled = true
        #expect(!attempt(flags, amount: 1_000))
        flags = plain
        flags.flags.rolloutPercentage = 50
        #expect(!attempt(flags, amount: 1_000))
        var empty = plain
        empty.accounts[0].balance = .zero
        #expect(!attempt(empty, amount: 1_000))
        var capped = plain
        capped.flags.dailyCap = Millicredits(rawValue: 500)
        #expect(!attempt(capped, amount: 1_000))
        var suspended = plain
        suspended.accounts[0].suspended = true
        #expect(!attempt(suspended, amount: 1_000))
        // Five earlier charges of 1,000: a sixth is an anomaly when amount × 5 > 5 × 5,000.
        var charged = plain
        for index in 0..<5 {
            let folded = charged.applyPlainCharge(
                slot: 0, amount: 1_000, warned: false, enforcementEnabled: true, seq: 10 + Int64(index), time: time)
            #expect(folded)
        }
        #expect(!attempt(charged, amount: 5_001, seq: 20))
        #expect(attempt(charged, amount: 1_000, seq: 20))
    }

    /// Folding compact debits of users with a slot by slot gives the same state, byte for byte, after every record,
    /// on the recorded log and with the debits' outcomes tampered (a fold applies what is recorded).
    @Test(arguments: seeds)
    func theSlotFoldIsTheGeneralFold(seed: UInt64) {
        let run = Self.run(seed)
        for log in [run.harness.log, Self.tampered(run.harness.log, seed: seed)] {
            var general = State(configuration: run.harness.state.configuration)
            var bySlot = general
            var folded = 0
            for entry in log {
                guard case .success(let record) = LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body)
                else { continue }
                let time = max(entry.time, general.lastRecordTime ?? entry.time)
                fold(&general, record, seq: entry.seq, time: time)
                if let debit = Self.compactDebit(entry), let slot = bySlot.slot(of: debit.userID) {
                    bySlot.apply(compactDebitOutcome: debit.outcome, slot: slot, seq: entry.seq, time: time)
                    folded += 1
                } else {
                    fold(&bySlot, record, seq: entry.seq, time: time)
                }
                #expect(general.snapshotBytes() == bySlot.snapshotBytes(), "seed \(seed) seq \(entry.seq)")
            }
            #expect(folded > 20)
        }
    }

    /// The verifier reports the same violations, in the same order, and ends with the same state, whether compact
    /// debits take the slot path or the enum; on the clean log and with tampered debits (outcome, amount,
    /// recorded enforcement).
    @Test(arguments: seeds)
    func theVerifierReportsTheSameBySlot(seed: UInt64) {
        let run = Self.run(seed)
        let configuration = run.harness.state.configuration
        for log in [run.harness.log, Self.tampered(run.harness.log, seed: seed)] {
            var general = LedgerVerifier(configuration: configuration)
            for entry in log {
                general.check(seq: entry.seq, time: entry.time, typeTag: entry.typeTag, body: entry.body)
            }
            let expected = general.finish()
            for keyed in [false, true] {
                let (violations, state) = Self.verifyBySlot(log, configuration: configuration, keyed: keyed)
                #expect(violations == expected, "seed \(seed) keyed \(keyed)")
                #expect(state.snapshotBytes() == general.state.snapshotBytes(), "seed \(seed) keyed \(keyed)")
            }
        }
    }

    /// The tampered logs do reach the reports the slot path makes.
    @Test func tamperedDebitsAreReportedBySlot() {
        var invariants: Set<String> = []
        for seed in Self.seeds {
            let run = Self.run(seed)
            let log = Self.tampered(run.harness.log, seed: seed)
            let (violations, _) = Self.verifyBySlot(log, configuration: run.harness.state.configuration, keyed: true)
            invariants.formUnion(violations.map(\.invariant))
        }
        let expected: Set = [
            "decision_replays", "recorded_enforcement_matches", "no_charge_under_enforcement_at_non_positive_balance",
        ]
        #expect(invariants.isSuperset(of: expected), "\(invariants)")
    }

    /// Verifies as a replay does: user keys in order of first sight, compact debits through
    /// ``LedgerVerifier/check(seq:time:debit:userKey:)``; `keyed`: a compact debit of a user named before as a
    /// ``KeyedDebit`` (no id), as the replay's reader hands it.
    static func verifyBySlot(_ log: [Logged], configuration: BillingConfiguration, keyed: Bool = false)
        -> ([Violation], State)
    {
        var verifier = LedgerVerifier(configuration: configuration)
        var keys: [String: Int32] = [:]
        func key(_ userID: String) -> Int32 {
            let key = keys[userID] ?? Int32(keys.count)
            keys[userID] = key
            return key
        }
        for entry in log {
            if let compact = compactDebit(entry) {
                let knownCount = keys.count
                let userKey = key(compact.userID)
                if keyed && Int(userKey) < knownCount {
                    verifier.check(seq: entry.seq, time: entry.time, debit: KeyedDebit(compact), userKey: userKey)
                } else {
                    verifier.check(seq: entry.seq, time: entry.time, debit: compact, userKey: userKey)
                }
                continue
            }
            let decoded = LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body)
            var userKey: Int32 = -1
            if case .success(let record) = decoded, let userID = record.userID { userKey = key(userID) }
            verifier.check(seq: entry.seq, time: entry.time, decoded: decoded, userKey: userKey)
        }
        let violations = verifier.finish()
        return (violations, verifier.state)
    }

    /// `log` with about a fifth of its compact debits changed: another outcome, another amount or the other
    /// recorded enforcement (re-encoded, as a tamperer who recomputes checksums would).
    static func tampered(_ log: [Logged], seed: UInt64) -> [Logged] {
        var random = BillingSplitMix64(seed: seed &+ 6000)
        var log = log
        for index in log.indices {
            guard let debit = compactDebit(log[index]), Int.random(in: 0..<100, using: &random) < 20 else { continue }
            var record = debit.record
            switch Int.random(in: 0..<6, using: &random) {
            case 0: record.enforcementEnabled.toggle()
            case 1: record.outcome = .free
            case 2: record.outcome = .shadow
            case 3:
                let codes: [RejectionCode] = [
                    .accountSuspended, .insufficientCredits, .dailyCapExceeded, .requestCapExceeded,
                ]
                record.outcome = .rejected(codes.randomElement(using: &random)!)
            case 4:
                record.outcome = .charged(
                    Millicredits(rawValue: Int64.random(in: 1...50_000, using: &random)),
                    warned: Bool.random(using: &random), anomaly: Bool.random(using: &random))
            default:
                record.command.amount = Millicredits(rawValue: Int64.random(in: 1...50_000, using: &random))
            }
            log[index].body = LedgerRecord.debit(record).encodedBody
        }
        return log
    }
}
