import TollgateBilling

/// One UTC day of the accounting journal (`tollgate accounting export`, `GET /api/v1/admin/accounting/journal`):
/// the day's lines in log order, their totals, and every account's balance at the end of the day.
public struct JournalDay: Sendable {
    public var day: CalendarDay
    /// In log order, each entry's debit line before its credit line.
    public var lines: [JournalLine] = []
    /// Natural balances at the end of the day (see ``AccountingJournal/balancesMicroUSD``).
    public var closingBalancesMicroUSD: [JournalAccount: Int64] = [:]

    public init(day: CalendarDay) { self.day = day }

    public var totalDebitMicroUSD: Int64 { lines.reduce(0) { $0 &+ $1.debitMicroUSD } }
    public var totalCreditMicroUSD: Int64 { lines.reduce(0) { $0 &+ $1.creditMicroUSD } }

    /// Folds the log from the first record up to the end of `day` (the journal is a projection: the balances at
    /// the day's end need everything before it) and keeps the day's lines.
    public static func load(
        directory: String, day: CalendarDay, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> JournalDay {
        var result = JournalDay(day: day)
        var journal = AccountingJournal()
        var lines: [JournalLine] = []
        let start = day.start
        let end = day.end
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            if entry.time >= end { return false }
            lines.removeAll(keepingCapacity: true)
            journal.apply(entry, posting: &lines)
            if entry.time >= start { result.lines.append(contentsOf: lines) }
            return true
        }
        result.closingBalancesMicroUSD = journal.balancesMicroUSD
        return result
    }

    /// `{"date":…,"currency":"USD","lines":[…],"totals":{"debit":…,"credit":…},"closing_balances":{…}}`.
    public var json: JSONValue {
        func usd(_ microUSD: Int64) -> JSONValue { .string(Millicredits(rawValue: microUSD).usdFormatted) }
        return .object([
            ("date", .string(day.text)), ("currency", .string(JournalAccount.currency)),
            ("lines", .array(lines.map(\.json))),
            ("totals", .object([("debit", usd(totalDebitMicroUSD)), ("credit", usd(totalCreditMicroUSD))])),
            (
                "closing_balances",
                .object(JournalAccount.allCases.map { ($0.rawValue, usd(closingBalancesMicroUSD[$0] ?? 0)) })
            ),
        ])
    }
}
