import TollgateBilling

/// Re-decides every recorded command under candidate rules into a scratch state, writing nothing
/// (`tollgate whatif`): "what happens when we switch enforcement on?", answered from real traffic.
///
/// - Candidate flags are **pinned**: set before the first record and held fixed, so a recorded `set_flag` or
///   `clear_flag` of a pinned flag is ignored (counted in ``Report/ignoredFlagRecordCount``). Other flags follow
///   the log as recorded. Candidate plans likewise: defined at the first record's time, before it, and a recorded
///   `define_plan` of the same `plan_id` is ignored (``Report/ignoredPlanRecordCount``).
/// - The scratch state starts from `billing` (the config default of `credit_enforcement_enabled` for the run).
/// - Each command keeps its recorded seq and time, so refunds still name their debit; a refund whose debit is no
///   longer charged becomes `invalid`. The breaker's suspensions are not replayed from the log: the scratch run
///   appends its own when its own anomalies trip the breaker.
/// - Outcomes are compared as ``LedgerRecord/outcomeLabel`` (`charged`, `shadow`, an error code, …), plus
///   `duplicate` and `invalid` for what-if decisions that would append nothing.
public struct WhatIf: Sendable {
    public struct Flip: Sendable, Hashable {
        public var from: String
        public var to: String
        public var count: Int64
        /// The first few seqs that flipped this way (at most ``WhatIf/exampleSeqCountMax``).
        public var exampleSeqs: [Int64]

        public var json: JSONValue {
            .object([
                ("from", .string(from)), ("to", .string(to)), ("count", .int(count)),
                ("example_seqs", .array(exampleSeqs.map(JSONValue.int))),
            ])
        }
    }

    public struct UserDelta: Sendable {
        public var userID: String
        public var chargedBefore: Millicredits
        public var chargedAfter: Millicredits
        public var balanceBefore: Millicredits
        public var balanceAfter: Millicredits
        public var flipCount: Int64
        public var chargedDelta: Millicredits { Millicredits(rawValue: chargedAfter.rawValue &- chargedBefore.rawValue) }

        public var json: JSONValue {
            .object([
                ("user_id", .string(userID)), ("charged_before", .amount(chargedBefore)),
                ("charged_after", .amount(chargedAfter)), ("charged_delta", .amount(chargedDelta)),
                ("balance_before", .amount(balanceBefore)), ("balance_after", .amount(balanceAfter)),
                ("flips", .int(flipCount)),
            ])
        }
    }

    public struct Report: Sendable {
        public var candidateFlags: [FlagValue]
        public var candidatePlanIDs: [String]
        public var configEnforcementEnabled: Bool
        public var recordCount: Int64
        public var ignoredFlagRecordCount: Int64
        public var ignoredPlanRecordCount: Int64
        /// Sorted by descending count, then from, then to.
        public var flips: [Flip]
        public var chargedBefore: Int128
        public var chargedAfter: Int128
        /// Users whose charges, balance or decisions change, sorted by id.
        public var users: [UserDelta]

        public var flipCount: Int64 { flips.reduce(0) { $0 + $1.count } }

        public var json: JSONValue {
            .object([
                (
                    "candidate",
                    .object(
                        [("config_credit_enforcement_enabled", .bool(configEnforcementEnabled))]
                            + candidateFlags.map { ($0.flag.rawValue, $0.json) }
                            + [("plans", .array(candidatePlanIDs.map(JSONValue.string)))])
                ),
                ("records", .int(recordCount)), ("ignored_flag_records", .int(ignoredFlagRecordCount)),
                ("ignored_plan_records", .int(ignoredPlanRecordCount)),
                ("decisions_flipped", .int(flipCount)), ("flips", .array(flips.map(\.json))),
                ("charged_before", .string(Reconciliation.format(chargedBefore))),
                ("charged_after", .string(Reconciliation.format(chargedAfter))),
                ("charged_delta", .string(Reconciliation.format(chargedAfter - chargedBefore))),
                ("users", .array(users.map(\.json))),
            ])
        }
    }

    public static let exampleSeqCountMax = 5

    public var billing: BillingConfiguration
    public var candidateFlags: [FlagValue]
    /// Plan definitions that replace the recorded ones of the same `plan_id` for the whole run.
    public var candidatePlans: [Command.DefinePlan]

    public init(billing: BillingConfiguration, candidateFlags: [FlagValue], candidatePlans: [Command.DefinePlan] = []) {
        self.billing = billing; self.candidateFlags = candidateFlags; self.candidatePlans = candidatePlans
    }

    private struct FlipKey: Hashable {
        var from: String
        var to: String
    }

    private struct UserTally {
        var chargedBefore: Int64 = 0
        var chargedAfter: Int64 = 0
        var balanceBefore: Int64 = 0
        var flipCount: Int64 = 0
    }

    public func run(directory: String, progress: ((Int64) -> Void)? = nil) throws(EngineError) -> Report {
        var scratch = State(configuration: billing)
        for value in candidateFlags { scratch.pinFlag(value) }
        let pinned = Set(candidateFlags.map(\.flag))
        var flips: [FlipKey: (count: Int64, seqs: [Int64])] = [:]
        var users: [String: UserTally] = [:]
        var recordCount: Int64 = 0
        var ignored: Int64 = 0
        var ignoredPlans: Int64 = 0
        let pinnedPlans = Set(candidatePlans.map(\.planID))
        var plansDefined = candidatePlans.isEmpty
        var chargedBefore: Int128 = 0
        var chargedAfter: Int128 = 0
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            recordCount += 1
            let record = entry.record
            if !plansDefined {
                // Before the first record, at its time: the scratch state's own records, not the log's.
                for plan in candidatePlans { fold(&scratch, .definePlan(plan), seq: entry.seq, time: entry.time) }
                plansDefined = true
            }
            switch record {
            case .definePlan(let c) where pinnedPlans.contains(c.planID):
                ignoredPlans += 1
                return true
            case .breakerSuspension:
                return true
            case .setFlag(let c) where pinned.contains(c.flag):
                ignored += 1
                return true
            case .clearFlag(let c) where pinned.contains(c.flag):
                ignored += 1
                return true
            default:
                break
            }
            guard let command = record.command else { return true }
            let decision = decide(command, in: scratch, seq: entry.seq, time: entry.time)
            // A payment event's first attempt is the log's next record, re-decided there (as a retry): fold only
            // the event here so that attempt is compared, not applied twice.
            let foldCount = if case .paymentEvent = record { min(1, decision.records.count) } else {
                decision.records.count
            }
            for produced in decision.records.prefix(foldCount) {
                fold(&scratch, produced, seq: entry.seq, time: entry.time)
            }
            let after = decision.records.first
            let labelBefore = record.outcomeLabel
            let labelAfter: String
            if let after {
                labelAfter = after.outcomeLabel
            } else if case .string(let status)? = decision.result["status"] {
                labelAfter = status
            } else {
                labelAfter = "invalid"
            }
            let before = record.chargedAmount.rawValue
            let afterCharge = after?.chargedAmount.rawValue ?? 0
            chargedBefore += Int128(before)
            chargedAfter += Int128(afterCharge)
            if let userID = record.userID {
                var tally = users[userID] ?? UserTally()
                tally.chargedBefore &+= before
                tally.chargedAfter &+= afterCharge
                tally.balanceBefore &+= record.balanceChange.rawValue
                if labelBefore != labelAfter { tally.flipCount += 1 }
                users[userID] = tally
            }
            if labelBefore != labelAfter {
                let key = FlipKey(from: labelBefore, to: labelAfter)
                var value = flips[key] ?? (0, [])
                value.count += 1
                if value.seqs.count < Self.exampleSeqCountMax { value.seqs.append(entry.seq) }
                flips[key] = value
            }
            return true
        }
        let sortedFlips = flips.map { Flip(from: $0.key.from, to: $0.key.to, count: $0.value.count, exampleSeqs: $0.value.seqs) }
            .sorted { ($1.count, $0.from, $0.to) < ($0.count, $1.from, $1.to) }
        let deltas = users.keys.sorted().compactMap { userID -> UserDelta? in
            let tally = users[userID]!
            let balanceAfter = scratch.balance(userID: userID)
            guard tally.flipCount > 0 || tally.chargedAfter != tally.chargedBefore
                || balanceAfter.rawValue != tally.balanceBefore
            else { return nil }
            return UserDelta(
                userID: userID, chargedBefore: Millicredits(rawValue: tally.chargedBefore),
                chargedAfter: Millicredits(rawValue: tally.chargedAfter),
                balanceBefore: Millicredits(rawValue: tally.balanceBefore), balanceAfter: balanceAfter,
                flipCount: tally.flipCount)
        }
        return Report(
            candidateFlags: candidateFlags, candidatePlanIDs: candidatePlans.map(\.planID),
            configEnforcementEnabled: billing.creditEnforcementEnabled, recordCount: recordCount,
            ignoredFlagRecordCount: ignored, ignoredPlanRecordCount: ignoredPlans, flips: sortedFlips,
            chargedBefore: chargedBefore, chargedAfter: chargedAfter, users: deltas)
    }
}
