import TollgateBilling

/// Whether switching `credit_enforcement_enabled` on is backed by measured traffic: the production criteria of
/// the enforcement rollout, computed read-only from the log (`tollgate readiness`,
/// `GET /api/v1/admin/enforcement/readiness`). Each gate reports pass/fail with its figure.
///
/// Days are UTC days; "the last N days" are the N days ending with the day of ``at`` (that day included, up to
/// ``at``). Records after ``at`` are left out of every figure but the what-if gate, which re-decides the whole
/// log exactly as `tollgate whatif --set credit_enforcement_enabled=true` does.
public struct ReadinessReport: Sendable {
    /// One criterion: its figure, what it needs, and whether it passes.
    public struct Gate: Sendable {
        public var name: String
        public var passed: Bool
        public var value: JSONValue
        public var required: String
        /// Further figures, in a fixed order.
        public var details: [(String, JSONValue)]

        public var json: JSONValue {
            .object(
                [("name", .string(name)), ("pass", .bool(passed)), ("value", value), ("required", .string(required))]
                    + details)
        }
    }

    public var at: Timestamp
    public var criteria: ReadinessCriteria
    public var gates: [Gate]

    public var ready: Bool { gates.allSatisfy(\.passed) }

    public var json: JSONValue {
        .object([("at", .string(at.rfc3339)), ("ready", .bool(ready)), ("gates", .array(gates.map(\.json)))])
    }

    /// Labels of ``LedgerRecord/outcomeLabel`` that mean "applied" (anything else refuses or appends nothing).
    static let appliedLabels: Set<String> = ["charged", "free", "shadow", "within_limit", "grace", "warned", "applied"]

    /// Scans the log in `directory` once for the traffic gates, then runs the what-if.
    public static func compute(
        directory: String, at: Timestamp, criteria: ReadinessCriteria = ReadinessCriteria(),
        billing: BillingConfiguration = BillingConfiguration(), progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> ReadinessReport {
        var tally = Tally(atDay: at.utcDayNumber)
        var state = State(configuration: billing)
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            if entry.record.isChargeRequest { tally.chargeRequestsAll += 1 }
            guard entry.time <= at else { return true }  // later records count only for the what-if denominator
            fold(&state, entry.record, seq: entry.seq, time: entry.time)
            tally.add(entry, state: state)
            return true
        }
        let whatIf = try WhatIf(billing: billing, candidateFlags: [.creditEnforcementEnabled(true)])
            .run(directory: directory)
        return ReadinessReport(
            at: at, criteria: criteria, gates: tally.gates(criteria: criteria, whatIf: whatIf))
    }
}

extension LedgerRecord {
    /// A debit or a consume, whatever its outcome: what "billing events" and "charge requests" count.
    var isChargeRequest: Bool {
        switch self {
        case .debit, .consume: true
        default: false
        }
    }
}

/// The running figures of one readiness scan.
private struct Tally {
    let atDay: Int64
    /// Days before this are not needed by any window or streak.
    let horizonDay: Int64
    /// Billing events per day from ``horizonDay``.
    var eventsByDay: [Int64: Int64] = [:]
    /// Each user's distinct activity days from ``horizonDay``, ascending (record time never decreases).
    var activityDays: [String: [Int64]] = [:]
    var chargeRequestsAll: Int64 = 0
    var warnOnlyDays: Set<Int64> = []
    var warnOnlyDebits: Int64 = 0
    var lowBalanceResults: Int64 = 0
    var wouldBlockDebits: Int64 = 0
    var usersWouldBeBlocked: Set<String> = []
    var purchases: Int64 = 0
    var lastPurchaseSeq: Int64?

    init(atDay: Int64) {
        self.atDay = atDay
        let lookback = ReadinessCriteria.streakDaysMax + max(
            ReadinessCriteria.activeWindowDays, ReadinessCriteria.eventsWindowDays)
        horizonDay = atDay - lookback
    }

    mutating func add(_ entry: LedgerEntry, state: State) {
        let day = entry.time.utcDayNumber
        switch entry.record {
        case .debit(let record):
            if !record.enforcementEnabled, case .charged(_, let warned, _) = record.outcome {
                warnOnlyDebits += 1
                warnOnlyDays.insert(day)
                if state.isLowBalance(userID: record.command.userID) { lowBalanceResults += 1 }
                if warned {
                    wouldBlockDebits += 1
                    usersWouldBeBlocked.insert(record.command.userID)
                }
            }
        case .grant(let record) where record.rejection == nil && record.command.source == .purchase:
            purchases += 1
            lastPurchaseSeq = entry.seq
        case .purchaseGrant:
            // A payment webhook applied end to end (docs/purchases.md): the strongest evidence of the gate.
            purchases += 1
            lastPurchaseSeq = entry.seq
        default:
            break
        }
        guard entry.record.isChargeRequest, day >= horizonDay, let userID = entry.record.userID else { return }
        eventsByDay[day, default: 0] += 1
        if activityDays[userID]?.last != day { activityDays[userID, default: []].append(day) }
    }

    /// Active users on each of the last ``ReadinessCriteria/streakDaysMax`` days (index 0 = the evaluation day):
    /// a user active on day a counts on days a … a + 29; overlapping spans of one user count once.
    func activeUsersByDay() -> [Int64] {
        let dayCount = Int(ReadinessCriteria.streakDaysMax)
        let firstDay = atDay - Int64(dayCount) + 1
        var delta = [Int64](repeating: 0, count: dayCount + 1)
        let window = ReadinessCriteria.activeWindowDays
        for days in activityDays.values {
            var spanStart: Int64?
            var spanEnd: Int64 = 0
            func close() {
                guard let start = spanStart else { return }
                let from = max(start, firstDay)
                let to = min(spanEnd, atDay)
                guard from <= to else { return }
                delta[Int(from - firstDay)] += 1
                delta[Int(to - firstDay) + 1] -= 1
            }
            for day in days {
                if let _ = spanStart, day <= spanEnd + 1 {
                    spanEnd = day + window - 1
                } else {
                    close()
                    spanStart = day
                    spanEnd = day + window - 1
                }
            }
            close()
        }
        var counts = [Int64](repeating: 0, count: dayCount)
        var running: Int64 = 0
        for index in 0..<dayCount {
            running += delta[index]
            counts[dayCount - 1 - index] = running
        }
        return counts
    }

    /// Billing events in the 14 days ending with each of the last days (index 0 = the evaluation day).
    func eventsInWindowByDay() -> [Int64] {
        (0..<ReadinessCriteria.streakDaysMax).map { back in
            let end = atDay - back
            var sum: Int64 = 0
            for day in (end - ReadinessCriteria.eventsWindowDays + 1)...end { sum += eventsByDay[day] ?? 0 }
            return sum
        }
    }

    /// Days in a row, from the evaluation day back, on which `holds` is true.
    static func streak(_ values: [Int64], holds: (Int64) -> Bool) -> Int64 {
        Int64(values.prefix { holds($0) }.count)
    }

    /// `sum / days` with two decimals, from integers only.
    static func average(_ sum: Int64, days: Int64) -> String {
        let hundredths = sum * 100 / days
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    func gates(criteria: ReadinessCriteria, whatIf: WhatIf.Report) -> [ReadinessReport.Gate] {
        let active = activeUsersByDay()
        let activeNow = active.first ?? 0
        let activeStreak = Self.streak(active) { $0 >= criteria.activeUsersMin }
        let events = eventsInWindowByDay()
        let windowDays = ReadinessCriteria.eventsWindowDays
        let eventsNow = events.first ?? 0
        let eventsStreak = Self.streak(events) { $0 >= criteria.eventsPerDayMin * windowDays }

        var rejectionsByCode: [String: Int64] = [:]
        for flip in whatIf.flips
        where ReadinessReport.appliedLabels.contains(flip.from) && !ReadinessReport.appliedLabels.contains(flip.to) {
            rejectionsByCode[flip.to, default: 0] += flip.count
        }
        let wouldReject = rejectionsByCode.values.reduce(0, +)
        let usersAffected = Int64(whatIf.users.filter { $0.flipCount > 0 }.count)
        let sortedDays = warnOnlyDays.sorted()

        return [
            ReadinessReport.Gate(
                name: "active_users", passed: activeNow >= criteria.activeUsersMin, value: .int(activeNow),
                required: ">= \(criteria.activeUsersMin) users with a debit or consume in the last 30 days",
                details: [("window_days", .int(ReadinessCriteria.activeWindowDays)), ("consecutive_days", .int(activeStreak))]),
            ReadinessReport.Gate(
                name: "billing_events", passed: eventsStreak >= criteria.consecutiveDaysMin,
                value: .string(Self.average(eventsNow, days: windowDays)),
                required: "14-day average >= \(criteria.eventsPerDayMin) events/day on >= "
                    + "\(criteria.consecutiveDaysMin) consecutive days",
                details: [
                    ("window_days", .int(windowDays)), ("events_in_window", .int(eventsNow)),
                    ("consecutive_days", .int(eventsStreak)),
                ]),
            ReadinessReport.Gate(
                name: "warn_only_observation", passed: Int64(warnOnlyDays.count) >= criteria.observationDaysMin,
                value: .int(Int64(warnOnlyDays.count)),
                required: ">= \(criteria.observationDaysMin) days with warn-only debits",
                details: [
                    ("first_day", sortedDays.first.map { .string(Self.dayText($0)) } ?? .null),
                    ("last_day", sortedDays.last.map { .string(Self.dayText($0)) } ?? .null),
                    ("warn_only_debits", .int(warnOnlyDebits)), ("low_balance_results", .int(lowBalanceResults)),
                    ("would_block_debits", .int(wouldBlockDebits)),
                    ("users_would_be_blocked", .int(Int64(usersWouldBeBlocked.count))),
                ]),
            ReadinessReport.Gate(
                name: "purchase", passed: purchases >= criteria.purchasesMin, value: .int(purchases),
                required: ">= \(criteria.purchasesMin) applied purchase grants",
                details: [("last_purchase_seq", lastPurchaseSeq.map(JSONValue.int) ?? .null)]),
            ReadinessReport.Gate(
                name: "whatif_enforcement",
                passed: Int128(wouldReject) * 100 <= Int128(criteria.rejectedPctMax) * Int128(chargeRequestsAll),
                value: .int(wouldReject),
                required: "<= \(criteria.rejectedPctMax)% of charge requests newly rejected with enforcement on",
                details: [
                    ("charge_requests", .int(chargeRequestsAll)), ("users_affected", .int(usersAffected)),
                    (
                        "rejections_by_code",
                        .object(rejectionsByCode.keys.sorted().map { ($0, .int(rejectionsByCode[$0]!)) })
                    ),
                ]),
        ]
    }

    /// `YYYY-MM-DD` of a UTC day number.
    static func dayText(_ day: Int64) -> String {
        String(Timestamp(rawValue: day * Timestamp.millisecondsPerDay).rfc3339.prefix(10))
    }
}
