import TollgateBilling

/// The accounting invariants `replay --verify` checks (docs/accounting.md), computed from the journal's lines
/// alone: every UTC day balances (Σ debits = Σ credits), and at the end the deferred_revenue balance equals the
/// cash value of the unconsumed purchased credits (which the caller sums from the lots, not from the lines).
///
/// Lines arrive in log order; a day is checked when the next day's first line (or the end) arrives. A log whose
/// time went backwards checks each run of one day separately, which still catches any unbalanced entry.
public struct JournalCheck: Sendable {
    private var day: Int64?
    private var dayLastSeq: Int64 = 0
    private var dayDebits: Int128 = 0
    private var dayCredits: Int128 = 0
    /// Σ credits − Σ debits of deferred_revenue over every line seen.
    public private(set) var deferredRevenueMicroUSD: Int128 = 0
    private var violations: [Violation] = []

    public static let dayBalancesInvariant = "journal_day_balances"
    public static let deferredRevenueInvariant = "deferred_revenue_equals_unconsumed_purchases"
    /// Violations kept; a journal broken everywhere should not exhaust memory.
    static let violationCountMax = 10_000

    public init() {}

    public mutating func add(_ line: JournalLine) {
        add(
            time: line.time, seq: line.seq, account: line.account, debitMicroUSD: line.debitMicroUSD,
            creditMicroUSD: line.creditMicroUSD)
    }

    /// ``add(_:)`` of both lines of a posted entry (its debit line, then its credit line: one day, one seq), so
    /// that a replay checks what the journal posted without spelling the lines out. Inlined into the journal's
    /// per-debit path (a call passing the posting's eight fields was ~1.5 % of a replay's CPU).
    @inline(__always)
    mutating func add(_ posting: JournalPosting) {
        let lineDay = posting.time.utcDayNumber
        if lineDay != day { closeDay() }
        day = lineDay
        dayLastSeq = posting.seq
        let microUSD = Int128(posting.microUSD)
        dayDebits += microUSD
        dayCredits += microUSD
        if posting.debitAccount == .deferredRevenue { deferredRevenueMicroUSD -= microUSD }
        if posting.creditAccount == .deferredRevenue { deferredRevenueMicroUSD += microUSD }
    }

    /// ``add(_:)`` given the fields it reads.
    private mutating func add(
        time: Timestamp, seq: Int64, account: JournalAccount, debitMicroUSD: Int64, creditMicroUSD: Int64
    ) {
        let lineDay = time.utcDayNumber
        if lineDay != day { closeDay() }
        day = lineDay
        dayLastSeq = seq
        dayDebits += Int128(debitMicroUSD)
        dayCredits += Int128(creditMicroUSD)
        if account == .deferredRevenue {
            deferredRevenueMicroUSD += Int128(creditMicroUSD) - Int128(debitMicroUSD)
        }
    }

    /// Closes the last day and compares deferred revenue with `unconsumedPurchasedMicroUSD`.
    public mutating func finish(unconsumedPurchasedMicroUSD: Int128) -> [Violation] {
        closeDay()
        if deferredRevenueMicroUSD != unconsumedPurchasedMicroUSD {
            report(
                Self.deferredRevenueInvariant, nil,
                "deferred_revenue balance \(Self.usd(deferredRevenueMicroUSD)) USD but unconsumed purchased credits "
                    + "are worth \(Self.usd(unconsumedPurchasedMicroUSD)) USD")
        }
        return violations
    }

    private mutating func closeDay() {
        guard let day else { return }
        if dayDebits != dayCredits {
            let date = String(Timestamp(millisecondsSinceEpoch: day * Timestamp.millisecondsPerDay).rfc3339.prefix(10))
            report(
                Self.dayBalancesInvariant, dayLastSeq,
                "journal of \(date): debits \(Self.usd(dayDebits)) USD ≠ credits \(Self.usd(dayCredits)) USD")
        }
        self.day = nil
        dayDebits = 0
        dayCredits = 0
    }

    private mutating func report(_ invariant: String, _ seq: Int64?, _ detail: String) {
        guard violations.count < Self.violationCountMax else { return }
        violations.append(Violation(invariant: invariant, seq: seq, detail: detail))
    }

    static func usd(_ microUSD: Int128) -> String {
        guard let exact = Int64(exactly: microUSD) else { return String(microUSD) + "e-6" }
        return Millicredits(rawValue: exact).usdFormatted
    }
}
