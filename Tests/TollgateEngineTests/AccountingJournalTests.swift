import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateSimulation

/// The accounting journal (docs/accounting.md) through its public API: records folded in log order, the lines
/// they post, the lots and the invariants `replay --verify` checks.
@Suite struct AccountingJournalTests {
    /// Feeds records with consecutive seqs, one minute apart from 2026-03-01T00:00Z, keeping every line.
    struct Ledger {
        var journal = AccountingJournal()
        var verifier = AccountingVerifier()
        var lines: [JournalLine] = []
        var seq: Int64 = 0
        var time = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        /// The billing balance per user, summed from the records (what the journal's credits must equal).
        var balances: [String: Int64] = [:]
        /// Every record added, in seq order.
        var records: [LedgerRecord] = []

        /// Appends `record`; returns its seq and the lines it posted.
        @discardableResult
        mutating func add(_ record: LedgerRecord, minutes: Int64 = 1) -> (seq: Int64, lines: [JournalLine]) {
            seq += 1
            time = time.adding(milliseconds: minutes * Timestamp.millisecondsPerMinute)
            let entry = LedgerEntry(seq: seq, time: time, record: record)
            records.append(record)
            var posted: [JournalLine] = []
            journal.apply(entry, posting: &posted)
            verifier.add(entry)
            lines += posted
            if record.rejection == nil, let userID = record.userID {
                balances[userID, default: 0] += record.balanceChange.rawValue
            }
            return (seq, posted)
        }

        @discardableResult
        mutating func grant(_ user: String, _ millicredits: Int64, _ source: GrantSource = .admin) -> Int64 {
            add(.grant(GrantRecord(command: .init(userID: user, amount: Millicredits(rawValue: millicredits), source: source))))
                .seq
        }

        @discardableResult
        mutating func debit(_ user: String, _ millicredits: Int64) -> (seq: Int64, lines: [JournalLine]) {
            add(
                .debit(
                    DebitRecord(
                        command: .init(userID: user, amount: Millicredits(rawValue: millicredits)),
                        enforcementEnabled: false,
                        outcome: .charged(Millicredits(rawValue: millicredits), warned: false, anomaly: false))))
        }

        @discardableResult
        mutating func refund(_ user: String, debitSeq: Int64, _ millicredits: Int64) -> [JournalLine] {
            add(
                .refund(
                    RefundRecord(
                        command: .init(
                            userID: user, debitSeq: debitSeq, amount: Millicredits(rawValue: millicredits),
                            initiatedBy: "ops")))
            ).lines
        }

        func lot(_ user: String, _ seq: Int64) -> PurchaseLot? {
            journal.pools[user]?.lots.first { $0.seq == seq }
        }

        mutating func violations() -> [Violation] {
            verifier.finish(balances: balances.sorted { $0.key < $1.key }.map { ($0.key, Millicredits(rawValue: $0.value)) })
        }
    }

    /// (entry, account, debit, credit, lot) of each line, amounts in micro-dollars.
    static func summary(_ lines: [JournalLine]) -> [String] {
        lines.map { "\($0.entry.rawValue) \($0.account.rawValue) \($0.debitMicroUSD) \($0.creditMicroUSD) lot=\($0.lotSeq ?? 0)" }
    }

    @Test func aPurchaseIsCashAgainstDeferredRevenue() {
        var ledger = Ledger()
        let seq = ledger.grant("ann", 25_000, .purchase)
        #expect(
            Self.summary(ledger.lines) == [
                "purchase cash 25000 0 lot=1", "purchase deferred_revenue 0 25000 lot=1",
            ])
        #expect(ledger.lines.allSatisfy { $0.seq == seq && $0.userID == "ann" && $0.paymentID == nil })
        #expect(ledger.journal.balance(of: .cash) == 25_000)
        #expect(ledger.journal.balance(of: .deferredRevenue) == 25_000)
        #expect(ledger.journal.unconsumedPurchasedMicroUSD == 25_000)
        #expect(ledger.violations() == [])
    }

    @Test(arguments: [GrantSource.admin, .promo, .adjustment])
    func grantsWithoutCashPostNothing(source: GrantSource) {
        var ledger = Ledger()
        ledger.grant("ann", 10_000, source)
        ledger.debit("ann", 4_000)
        #expect(ledger.lines == [])
        #expect(ledger.journal.pools["ann"]?.freeMillicredits == 6_000)
        #expect(ledger.violations() == [])
    }

    @Test func freeCreditsAreConsumedBeforePurchasedOnes() {
        var ledger = Ledger()
        let lot = ledger.grant("ann", 10_000, .purchase)
        ledger.grant("ann", 5_000, .promo)  // Granted after the purchase, still consumed first.
        let debit = ledger.debit("ann", 8_000)
        #expect(Self.summary(debit.lines) == [
            "consumption deferred_revenue 3000 0 lot=\(lot)", "consumption revenue 0 3000 lot=\(lot)",
        ])
        #expect(ledger.journal.pools["ann"]?.freeMillicredits == 0)
        #expect(ledger.lot("ann", lot)?.remainingMillicredits == 7_000)
        #expect(ledger.journal.balance(of: .deferredRevenue) == 7_000)
        #expect(ledger.journal.balance(of: .revenue) == 3_000)
        #expect(ledger.violations() == [])
    }

    @Test func lotsAreConsumedOldestFirstAndARefundGivesBackNewestFirst() {
        var ledger = Ledger()
        let first = ledger.grant("ann", 5_000, .purchase)
        let second = ledger.grant("ann", 5_000, .purchase)
        let debit = ledger.debit("ann", 7_000)
        #expect(Self.summary(debit.lines) == [
            "consumption deferred_revenue 5000 0 lot=\(first)", "consumption revenue 0 5000 lot=\(first)",
            "consumption deferred_revenue 2000 0 lot=\(second)", "consumption revenue 0 2000 lot=\(second)",
        ])
        // 3 of the 7 back: the 2 from the second lot, then 1 from the first, as if the debit had charged 4.
        let reversal = ledger.refund("ann", debitSeq: debit.seq, 3_000)
        #expect(Self.summary(reversal) == [
            "consumption_reversal revenue 2000 0 lot=\(second)",
            "consumption_reversal deferred_revenue 0 2000 lot=\(second)",
            "consumption_reversal revenue 1000 0 lot=\(first)",
            "consumption_reversal deferred_revenue 0 1000 lot=\(first)",
        ])
        #expect(ledger.lot("ann", first)?.remainingMillicredits == 1_000)
        #expect(ledger.lot("ann", second)?.remainingMillicredits == 5_000)
        // The next debit starts again with the oldest lot.
        let next = ledger.debit("ann", 2_000)
        #expect(next.lines.map(\.lotSeq) == [first, first, second, second])
        #expect(ledger.journal.balance(of: .deferredRevenue) == 4_000)
        #expect(ledger.violations() == [])
    }

    @Test func aRefundReversesExactlyWhatItsDebitConsumed() {
        var ledger = Ledger()
        ledger.grant("ann", 2_000, .admin)
        let lot = ledger.grant("ann", 10_000, .purchase)
        let debit = ledger.debit("ann", 5_000)  // 2 free, 3 from the lot.
        let other = ledger.debit("ann", 1_000)  // From the lot.
        #expect(Self.summary(ledger.refund("ann", debitSeq: debit.seq, 3_000)).count == 2)
        #expect(ledger.lot("ann", lot)?.remainingMillicredits == 9_000)
        // The rest of the debit was free credits: they come back free, with no line.
        #expect(ledger.refund("ann", debitSeq: debit.seq, 2_000) == [])
        #expect(ledger.journal.pools["ann"]?.freeMillicredits == 2_000)
        ledger.refund("ann", debitSeq: other.seq, 1_000)
        #expect(ledger.lot("ann", lot)?.remainingMillicredits == 10_000)
        #expect(ledger.journal.balance(of: .revenue) == 0)
        #expect(ledger.violations() == [])
    }

    @Test func shadowFreeAndRejectedDebitsPostNothing() {
        var ledger = Ledger()
        ledger.grant("ann", 10_000, .purchase)
        let before = ledger.lines.count
        for outcome in [DebitOutcome.shadow, .free, .rejected(.dailyCapExceeded)] {
            ledger.add(
                .debit(
                    DebitRecord(
                        command: .init(userID: "ann", amount: Millicredits(rawValue: 4_000)), enforcementEnabled: false,
                        outcome: outcome)))
        }
        ledger.add(
            .grant(
                GrantRecord(
                    command: .init(userID: "ann", amount: Millicredits(rawValue: 1_000), source: .purchase),
                    rejection: .idempotencyConflict)))
        #expect(ledger.lines.count == before)
        #expect(ledger.journal.unconsumedPurchasedMicroUSD == 10_000)
        #expect(ledger.violations() == [])
    }

    @Test func anOverdraftIsSettledByTheNextCreditsAndARefundGivesThemBack() {
        var ledger = Ledger()
        ledger.grant("ann", 1_000, .promo)
        let debit = ledger.debit("ann", 4_000)  // 1 free, 3 uncovered (a single debit may overdraw).
        #expect(debit.lines == [])
        #expect(ledger.journal.pools["ann"]?.overdraftMillicredits == 3_000)
        let lot = ledger.grant("ann", 10_000, .purchase)
        #expect(Self.summary(Array(ledger.lines.suffix(4))) == [
            "purchase cash 10000 0 lot=\(lot)", "purchase deferred_revenue 0 10000 lot=\(lot)",
            "overdraft_settlement deferred_revenue 3000 0 lot=\(lot)", "overdraft_settlement revenue 0 3000 lot=\(lot)",
        ])
        #expect(ledger.journal.pools["ann"]?.overdraftMillicredits == 0)
        #expect(ledger.lot("ann", lot)?.remainingMillicredits == 7_000)
        // Refunding the whole debit gives the lot back what paid its overdraft, and the promo credit.
        let reversal = ledger.refund("ann", debitSeq: debit.seq, 4_000)
        #expect(Self.summary(reversal) == [
            "consumption_reversal revenue 3000 0 lot=\(lot)",
            "consumption_reversal deferred_revenue 0 3000 lot=\(lot)",
        ])
        #expect(ledger.lot("ann", lot)?.remainingMillicredits == 10_000)
        #expect(ledger.journal.pools["ann"]?.freeMillicredits == 1_000)
        #expect(ledger.violations() == [])
    }

    @Test func aRefundOfAnUncoveredDebitReducesTheOverdraft() {
        var ledger = Ledger()
        let debit = ledger.debit("ann", 4_000)
        ledger.refund("ann", debitSeq: debit.seq, 1_500)
        #expect(ledger.journal.pools["ann"]?.overdraftMillicredits == 2_500)
        ledger.grant("ann", 1_000, .admin)  // Free credits pay the overdraft: no cash, no line.
        #expect(ledger.journal.pools["ann"]?.overdraftMillicredits == 1_500)
        #expect(ledger.lines == [])
        #expect(ledger.violations() == [])
    }

    @Test func aCashRefundReturnsTheUnconsumedPartThenTakesBackRevenue() {
        var journal = AccountingJournal()
        var lines: [JournalLine] = []
        let time = Timestamp(rfc3339: "2026-03-01T10:00:00Z")!
        journal.applyPurchase(userID: "ann", millicredits: 10_000, paymentID: "pi_1", seq: 1, time: time, posting: &lines)
        let promo = LedgerRecord.grant(
            GrantRecord(command: .init(userID: "ann", amount: Millicredits(rawValue: 2_000), source: .promo)))
        journal.apply(LedgerEntry(seq: 2, time: time, record: promo), posting: &lines)
        let debit = LedgerRecord.debit(
            DebitRecord(
                command: .init(userID: "ann", amount: Millicredits(rawValue: 6_000)), enforcementEnabled: false,
                outcome: .charged(Millicredits(rawValue: 6_000), warned: false, anomaly: false)))
        journal.apply(LedgerEntry(seq: 3, time: time, record: debit), posting: &lines)
        #expect(journal.pools["ann"]?.lots.first?.remainingMillicredits == 6_000)  // 2 free, 4 from the lot.
        var refund: [JournalLine] = []
        let applied = journal.applyCashRefund(
            userID: "ann", lotSeq: 1, millicredits: 10_000, seq: 4, time: time, posting: &refund)
        #expect(applied)
        #expect(Self.summary(refund) == [
            "cash_refund deferred_revenue 6000 0 lot=1", "cash_refund cash 0 6000 lot=1",
            "cash_refund revenue 4000 0 lot=1", "cash_refund cash 0 4000 lot=1",
        ])
        #expect(refund.allSatisfy { $0.paymentID == "pi_1" })
        // The 4 consumed credits removed from the balance leave an overdraft (no free credits are left).
        #expect(journal.pools["ann"]?.overdraftMillicredits == 4_000)
        #expect(journal.pools["ann"]?.balanceMillicredits == 2_000 - 6_000 + 10_000 - 10_000)
        #expect(journal.balance(of: .cash) == 0)
        #expect(journal.balance(of: .revenue) == 0)
        #expect(journal.unconsumedPurchasedMicroUSD == 0)
        #expect(!journal.applyCashRefund(userID: "ann", lotSeq: 99, millicredits: 1, seq: 5, time: time, posting: &refund))
    }

    @Test func aCashRefundOfPartOfALotLeavesTheRestDeferred() {
        var journal = AccountingJournal()
        var lines: [JournalLine] = []
        let time = Timestamp(rfc3339: "2026-03-01T10:00:00Z")!
        journal.applyPurchase(userID: "ann", millicredits: 10_000, paymentID: nil, seq: 1, time: time, posting: &lines)
        lines.removeAll()
        journal.applyCashRefund(userID: "ann", lotSeq: 1, millicredits: 3_000, seq: 2, time: time, posting: &lines)
        #expect(Self.summary(lines) == ["cash_refund deferred_revenue 3000 0 lot=1", "cash_refund cash 0 3000 lot=1"])
        #expect(journal.pools["ann"]?.lots.first?.remainingMillicredits == 7_000)
        #expect(journal.balance(of: .deferredRevenue) == 7_000)
        #expect(journal.balance(of: .cash) == 7_000)
    }

    /// The payment webhook records (docs/purchases.md) post through the same entry points: a purchase grant is a
    /// lot linked to its payment id, a cash refund names the lot by the purchase grant's seq.
    @Test func paymentRecordsPostAPurchaseLotAndItsCashRefund() {
        var ledger = Ledger()
        let purchase = ledger.add(
            .purchaseGrant(
                PurchaseGrantRecord(
                    eventID: "evt_1", attempt: 1, initiatedBy: "webhook", userID: "ann", paymentID: "pi_1",
                    amount: Millicredits(rawValue: 50_000))))
        #expect(Self.summary(purchase.lines) == ["purchase cash 50000 0 lot=1", "purchase deferred_revenue 0 50000 lot=1"])
        #expect(purchase.lines.allSatisfy { $0.paymentID == "pi_1" })
        ledger.debit("ann", 20_000)
        let refund = ledger.add(
            .cashRefund(
                CashRefundRecord(
                    eventID: "evt_2", attempt: 1, initiatedBy: "webhook", userID: "ann", paymentID: "pi_1",
                    purchaseSeq: purchase.seq, amount: Millicredits(rawValue: 10_000))))
        #expect(Self.summary(refund.lines) == ["cash_refund deferred_revenue 10000 0 lot=1", "cash_refund cash 0 10000 lot=1"])
        #expect(ledger.lot("ann", purchase.seq)?.remainingMillicredits == 20_000)
        #expect(ledger.journal.balance(of: .cash) == 40_000)
        #expect(ledger.journal.balance(of: .revenue) == 20_000)
        #expect(ledger.journal.balance(of: .deferredRevenue) == 20_000)
        #expect(ledger.violations().isEmpty)
    }

    /// Random streams of grants of every source, charged debits (overdrafts included) and refunds: every day
    /// balances, deferred revenue is the lots' unconsumed value, and each user's credits equal their balance.
    @Test(arguments: 0..<64 as Range<UInt64>)
    func randomStreamsKeepTheInvariants(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var ledger = Ledger()
        var refundable: [(user: String, seq: Int64, left: Int64)] = []
        let users = ["ann", "ben", "cid"]
        for _ in 0..<300 {
            let user = users[Int(random.next() % 3)]
            let amount = Int64(random.next() % 20_000) + 1
            switch random.next() % 10 {
            case 0...2:
                ledger.grant(user, 2 * amount, GrantSource.allCases[Int(random.next() % 4)])  // Balances hover near 0.
            case 3...7:
                let debit = ledger.debit(user, amount)
                refundable.append((user, debit.seq, amount))
            default:
                guard !refundable.isEmpty else { continue }
                let index = Int(random.next() % UInt64(refundable.count))
                let target = refundable[index]
                let part = min(target.left, Int64(random.next() % 10_000) + 1)
                ledger.refund(target.user, debitSeq: target.seq, part)
                refundable[index].left -= part
                if refundable[index].left == 0 { refundable.remove(at: index) }
            }
            ledger.time = ledger.time.adding(milliseconds: Int64(random.next() % 6) * Timestamp.millisecondsPerHour)
        }
        #expect(ledger.violations() == [], "seed \(seed)")
        for (user, balance) in ledger.balances {
            #expect(ledger.journal.pools[user]?.balanceMillicredits ?? 0 == balance, "seed \(seed) \(user)")
        }
        let debits = ledger.lines.reduce(Int64(0)) { $0 + $1.debitMicroUSD }
        let credits = ledger.lines.reduce(Int64(0)) { $0 + $1.creditMicroUSD }
        #expect(debits == credits)
        #expect(ledger.journal.balance(of: .deferredRevenue) == ledger.journal.unconsumedPurchasedMicroUSD)
        #expect(
            ledger.journal.balance(of: .cash)
                == ledger.journal.balance(of: .deferredRevenue) + ledger.journal.balance(of: .revenue))
    }

    @Test func theCheckReportsAnUnbalancedDayWithItsLastSeq() {
        let day1 = Timestamp(rfc3339: "2026-03-01T10:00:00Z")!
        let day2 = Timestamp(rfc3339: "2026-03-02T10:00:00Z")!
        var check = JournalCheck()
        check.add(JournalLine(time: day1, seq: 1, entry: .purchase, account: .cash, debitMicroUSD: 500, creditMicroUSD: 0, userID: "a"))
        check.add(
            JournalLine(
                time: day1, seq: 1, entry: .purchase, account: .deferredRevenue, debitMicroUSD: 0, creditMicroUSD: 500,
                userID: "a"))
        // Day 2: a consumption that lost its credit line.
        check.add(
            JournalLine(
                time: day2, seq: 7, entry: .consumption, account: .deferredRevenue, debitMicroUSD: 200,
                creditMicroUSD: 0, userID: "a"))
        let violations = check.finish(unconsumedPurchasedMicroUSD: 300)
        #expect(violations.map(\.invariant) == [JournalCheck.dayBalancesInvariant])
        #expect(violations.first?.seq == 7)
        #expect(violations.first?.detail.contains("2026-03-02") == true)
    }

    @Test func theCheckReportsDeferredRevenueThatIsNotTheLotsValue() {
        var check = JournalCheck()
        let time = Timestamp(rfc3339: "2026-03-01T10:00:00Z")!
        for account in [JournalAccount.cash, .deferredRevenue] {
            let debit = account == .cash
            check.add(
                JournalLine(
                    time: time, seq: 1, entry: .purchase, account: account, debitMicroUSD: debit ? 1_000_000 : 0,
                    creditMicroUSD: debit ? 0 : 1_000_000, userID: "a"))
        }
        let violations = check.finish(unconsumedPurchasedMicroUSD: 999_999)
        #expect(violations.map(\.invariant) == [JournalCheck.deferredRevenueInvariant])
        #expect(violations.first?.detail == "deferred_revenue balance 1.00 USD but unconsumed purchased credits are worth 0.999999 USD")
    }

    @Test func theVerifierReportsCreditsThatDoNotMatchTheBalance() {
        var ledger = Ledger()
        ledger.grant("ann", 10_000, .purchase)
        ledger.balances["ann"] = 9_000
        let violations = ledger.violations()
        #expect(violations.map(\.invariant) == [AccountingVerifier.poolInvariant])
        #expect(violations.first?.detail.contains("user ann") == true)
    }

    /// The RFC 4180 export of a day, against `Fixtures/accounting/journal-2026-03-01.csv` (payment ids with a
    /// comma and a quote exercise the quoting). Re-record with `TOLLGATE_RECORD_FIXTURES=1`.
    @Test func csvMatchesItsGoldenFile() throws {
        var ledger = Ledger()
        var lines: [JournalLine] = []
        let noon = Timestamp(rfc3339: "2026-03-01T12:00:00Z")!
        ledger.journal.applyPurchase(
            userID: "ann", millicredits: 20_000, paymentID: "pi_1,\"eu\"", seq: 1, time: noon, posting: &lines)
        ledger.journal.applyPurchase(
            userID: "ann", millicredits: 5_000, paymentID: "pi_2", seq: 2, time: noon, posting: &lines)
        ledger.journal.apply(
            LedgerEntry(
                seq: 3, time: noon.adding(milliseconds: 1),
                record: .debit(
                    DebitRecord(
                        command: .init(userID: "ann", amount: Millicredits(rawValue: 20_001)), enforcementEnabled: false,
                        outcome: .charged(Millicredits(rawValue: 20_001), warned: false, anomaly: false)))),
            posting: &lines)
        var day = JournalDay(day: CalendarDay("2026-03-01")!)
        day.lines = lines
        let path = ReplayFixture.root + "/../accounting/journal-2026-03-01.csv"
        if ReplayFixture.recording {
            try ReplayFixture.write(path, Array(day.csv.utf8))
            Issue.record("recorded \(path); run again without TOLLGATE_RECORD_FIXTURES")
            return
        }
        #expect(day.csv == ReplayFixture.read(path))
        #expect(day.totalDebitMicroUSD == day.totalCreditMicroUSD)
    }

    /// User slots: dense, in order of first sight, stable; a slot alone books nothing (no pool, so the end-of-replay
    /// check still tells "no credits" from "0 credits").
    @Test func userSlotsAreDenseStableAndCreateNoPool() {
        var journal = AccountingJournal()
        #expect(journal.userSlot(of: "ann") == 0)
        #expect(journal.userSlot(of: "bob") == 1)
        #expect(journal.userSlot(of: "ann") == 0)
        #expect(journal.pool(of: "ann") == nil)
        #expect(journal.pools.isEmpty)
        var lines: [JournalLine] = []
        let rejected = LedgerRecord.debit(
            DebitRecord(
                command: .init(userID: "cy", amount: Millicredits(rawValue: 5)), enforcementEnabled: true,
                outcome: .rejected(.insufficientCredits)))
        journal.apply(LedgerEntry(seq: 1, time: Timestamp(rawValue: 0), record: rejected), posting: &lines)
        #expect(journal.pool(of: "cy") == nil)
        journal.applyPurchase(
            userID: "bob", millicredits: 7, paymentID: nil, seq: 2, time: Timestamp(rawValue: 0), posting: &lines)
        #expect(journal.pool(of: "bob")?.balanceMillicredits == 7)
        #expect(Array(journal.pools.keys) == ["bob"])
    }

    /// A journal fed the caller's slots (a replay's) indexes no user id until one is looked up by id: its pools are
    /// still found by id, a later lookup gives each user the slot the caller gave it and a new user the next one,
    /// and reserved room changes nothing.
    @Test(arguments: [0, 2, 1 << 30])
    func slotFedJournalFindsUsersByIDLater(reservedUsers: Int) {
        var journal = AccountingJournal()
        journal.reserveCapacity(users: reservedUsers)
        var lines: [JournalLine] = []
        let time = Timestamp(rawValue: 0)
        for (slot, userID) in ["ann", "bob", "cy"].enumerated() {
            let grant = LedgerRecord.grant(
                GrantRecord(
                    command: .init(
                        userID: userID, amount: Millicredits(rawValue: Int64(10 * (slot + 1))), source: .promo,
                        idempotencyKey: "g\(slot)")))
            journal.apply(LedgerEntry(seq: Int64(slot + 1), time: time, record: grant), userSlot: slot, posting: &lines)
        }
        #expect(journal.pool(of: "bob")?.balanceMillicredits == 20)
        #expect(journal.pool(of: "dan") == nil)
        #expect(journal.userSlot(of: "cy") == 2)
        #expect(journal.userSlot(of: "ann") == 0)
        #expect(journal.userSlot(of: "dan") == 3)
        #expect(journal.pool(of: "cy")?.balanceMillicredits == 30)
        #expect(journal.pool(of: "dan") == nil)
        #expect(journal.pools.keys.sorted() == ["ann", "bob", "cy"])
    }

    /// Fed with the slots a replay looks up once per record, the journal posts exactly what it posts when it looks
    /// the user up itself, record by record, with the same pools and the same verdict at the end.
    @Test(arguments: 0..<16 as Range<UInt64>)
    func slotFedJournalMatchesTheOneThatLooksUsersUp(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var ledger = Ledger()
        var refundable: [(user: String, seq: Int64)] = []
        let users = ["ann", "ben", "cid", "dee"]
        for _ in 0..<200 {
            let user = users[Int(random.next() % 4)]
            let amount = Int64(random.next() % 20_000) + 1
            switch random.next() % 10 {
            case 0...2: ledger.grant(user, 2 * amount, GrantSource.allCases[Int(random.next() % 4)])
            case 3...6: refundable.append((user, ledger.debit(user, amount).seq))
            case 7:
                ledger.add(
                    .debit(
                        DebitRecord(
                            command: .init(userID: user, amount: Millicredits(rawValue: amount)),
                            enforcementEnabled: true, outcome: .rejected(.insufficientCredits))))
            default:
                guard let target = refundable.randomElement(using: &random) else { continue }
                ledger.refund(target.user, debitSeq: target.seq, Int64(random.next() % 3_000) + 1)
            }
        }
        // `slotted` is fed a caller's numbering (as a replay's reading thread gives it: first sight of any record,
        // rejected ones included); `slottedJournal` its own slots.
        var slotted = AccountingVerifier()
        var callerSlots: [String: Int] = [:]
        var plain = AccountingJournal()
        var slottedJournal = AccountingJournal()
        var time = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        for (index, record) in ledger.records.enumerated() {
            time = time.adding(milliseconds: Timestamp.millisecondsPerMinute)
            let entry = LedgerEntry(seq: Int64(index + 1), time: time, record: record)
            var expected: [JournalLine] = []
            var actual: [JournalLine] = []
            plain.apply(entry, posting: &expected)
            let userID = record.userID!
            slottedJournal.apply(entry, userSlot: Int(slottedJournal.userSlot(of: userID)), posting: &actual)
            let callerSlot = callerSlots[userID] ?? callerSlots.count
            callerSlots[userID] = callerSlot
            slotted.add(entry, userSlot: callerSlot)
            #expect(actual == expected, "seed \(seed) seq \(index + 1)")
        }
        #expect(slottedJournal.pools == plain.pools)
        let balances = ledger.balances.sorted { $0.key < $1.key }.map { ($0.key, Millicredits(rawValue: $0.value)) }
        var slottedAgain = slotted
        var plainAgain = ledger.verifier
        #expect(slotted.finish(balances: balances) == ledger.verifier.finish(balances: balances))
        // A balance the journal does not hold is reported either way, with the same words.
        let forged = balances + [("eve", Millicredits(rawValue: 5))]
        let reported = slottedAgain.finish(balances: forged)
        #expect(reported == plainAgain.finish(balances: forged))
        #expect(reported.contains { $0.detail.hasPrefix("user eve: the journal holds no") })
    }

    /// A replay hands debits to the journal as ``CompactDebit``s: with the caller's slots, the journal posts the
    /// same lines, holds the same pools and gives the same verdict as one fed every record as a `LedgerEntry`.
    @Test(arguments: 0..<16 as Range<UInt64>)
    func compactDebitsPostWhatTheRecordsPost(seed: UInt64) {
        var random = SplitMix64(seed: seed &+ 100)
        var ledger = Ledger()
        var refundable: [(user: String, seq: Int64)] = []
        let users = ["ann", "ben", "cid", "dee", "a-user-id-longer-than-fifteen-bytes"]
        for _ in 0..<200 {
            let user = users[Int(random.next() % 5)]
            let amount = Int64(random.next() % 20_000) + 1
            switch random.next() % 12 {
            case 0...2: ledger.grant(user, 2 * amount, GrantSource.allCases[Int(random.next() % 4)])
            case 3...6: refundable.append((user, ledger.debit(user, amount).seq))
            case 7, 8:
                let outcome: DebitOutcome = [.rejected(.insufficientCredits), .free, .shadow][Int(random.next() % 3)]
                ledger.add(
                    .debit(
                        DebitRecord(
                            command: .init(userID: user, amount: Millicredits(rawValue: amount)),
                            enforcementEnabled: true, outcome: outcome)))
            default:
                guard let target = refundable.randomElement(using: &random) else { continue }
                ledger.refund(target.user, debitSeq: target.seq, Int64(random.next() % 3_000) + 1)
            }
        }
        var compactFed = AccountingVerifier()
        var callerSlots: [String: Int] = [:]
        var compactJournal = AccountingJournal()
        var compactJournalSlots: [String: Int] = [:]
        var plain = AccountingJournal()
        var time = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        var compactCount = 0
        var keyedCount = 0
        for (index, record) in ledger.records.enumerated() {
            time = time.adding(milliseconds: Timestamp.millisecondsPerMinute)
            let seq = Int64(index + 1)
            let entry = LedgerEntry(seq: seq, time: time, record: record)
            var expected: [JournalLine] = []
            var actual: [JournalLine] = []
            plain.apply(entry, posting: &expected)
            let userID = record.userID!
            let callerSlot = callerSlots[userID] ?? callerSlots.count
            callerSlots[userID] = callerSlot
            let known = compactJournalSlots[userID] != nil
            let journalSlot = compactJournalSlots[userID] ?? compactJournalSlots.count
            compactJournalSlots[userID] = journalSlot
            if case .debit(let debitRecord) = record, let debit = CompactDebit(debitRecord) {
                compactCount += 1
                #expect(debit.record == debitRecord)
                // A user named before: every other debit by key alone (``KeyedDebit``), as a replay's reader hands it.
                if known && random.next() % 2 == 0 {
                    keyedCount += 1
                    compactFed.add(debit: KeyedDebit(debit), seq: seq, time: time, userSlot: callerSlot)
                    compactJournal.applyDebit(
                        chargedMillicredits: debit.chargedMillicredits, seq: seq, time: time, userSlot: journalSlot,
                        posting: &actual)
                } else {
                    compactFed.add(debit: debit, seq: seq, time: time, userSlot: callerSlot)
                    compactJournal.applyDebit(
                        userID: debit.userID, chargedMillicredits: debit.chargedMillicredits, seq: seq, time: time,
                        userSlot: journalSlot, posting: &actual)
                }
            } else {
                compactFed.add(entry, userSlot: callerSlot)
                compactJournal.apply(entry, userSlot: journalSlot, posting: &actual)
            }
            #expect(actual == expected, "seed \(seed) seq \(seq)")
        }
        #expect(compactCount > 50)
        #expect(keyedCount > 10)
        #expect(compactJournal.pools == plain.pools)
        let balances = ledger.balances.sorted { $0.key < $1.key }.map { ($0.key, Millicredits(rawValue: $0.value)) }
        var plainAgain = ledger.verifier
        #expect(compactFed.finish(balances: balances) == plainAgain.finish(balances: balances))
    }

    /// A replay's common debit — keyed, charged, covered alone by the user's oldest open lot — posts its entry
    /// straight to the check (``AccountingVerifier/add(debit:seq:time:userSlot:)``, no postings array): the lots,
    /// the refunds that reverse such debits, the overdraft and the verdict stay those of a verifier fed every record
    /// as a `LedgerEntry`, across a lot emptied exactly, a charge spanning two lots, free credits and an overdraft.
    @Test func keyedDebitsFromOneOpenLotEndWhereTheRecordsEnd() {
        var ledger = Ledger()
        ledger.grant("ann", 1_000, .purchase)
        ledger.grant("ann", 500, .purchase)
        ledger.grant("ben", 300, .promo)
        ledger.grant("cid", 200, .purchase)
        var charged: [(user: String, seq: Int64)] = []
        for (user, amount) in [
            ("ann", 400), ("ann", 600),  // The first lot emptied exactly by keyed debits.
            ("ann", 100), ("ben", 50), ("cid", 150), ("cid", 100),  // A free credit; cid overdraws.
            ("ann", 300), ("ann", 200),  // The second lot emptied; ann overdraws next.
            ("ann", 10),
        ] as [(String, Int64)] {
            charged.append((user, ledger.debit(user, amount).seq))
        }
        ledger.grant("ann", 700, .purchase)  // Settles ann's overdraft; a new open lot.
        ledger.refund("ann", debitSeq: charged[0].seq, 250)  // A one-lot debit taken by the fast path, reversed.
        ledger.refund("ann", debitSeq: charged[6].seq, 300)
        charged.append(("ann", ledger.debit("ann", 120).seq))
        ledger.refund("cid", debitSeq: charged[4].seq, 150)

        var fed = AccountingVerifier()
        var slots: [String: Int] = [:]
        var keyedCount = 0
        var time = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        for (index, record) in ledger.records.enumerated() {
            time = time.adding(milliseconds: Timestamp.millisecondsPerMinute)
            let seq = Int64(index + 1)
            let userID = record.userID!
            let known = slots[userID] != nil
            let slot = slots[userID] ?? slots.count
            slots[userID] = slot
            if case .debit(let debitRecord) = record, let debit = CompactDebit(debitRecord) {
                if known {
                    keyedCount += 1
                    fed.add(debit: KeyedDebit(debit), seq: seq, time: time, userSlot: slot)
                } else {
                    fed.add(debit: debit, seq: seq, time: time, userSlot: slot)
                }
            } else {
                fed.add(LedgerEntry(seq: seq, time: time, record: record), userSlot: slot)
            }
        }
        #expect(keyedCount == charged.count)
        #expect(fed.journal.pools == ledger.journal.pools)
        #expect(fed.journal.balancesMicroUSD == ledger.journal.balancesMicroUSD)
        let balances = ledger.balances.sorted { $0.key < $1.key }.map { ($0.key, Millicredits(rawValue: $0.value)) }
        var recordFed = ledger.verifier
        let expected = recordFed.finish(balances: balances)
        #expect(expected.isEmpty)
        #expect(fed.finish(balances: balances) == expected)
    }

    @Test(arguments: ["2026-03-01", "2024-02-29"])
    func calendarDaysParse(text: String) {
        #expect(CalendarDay(text)?.text == text)
    }

    @Test(arguments: ["2026-02-30", "2026-3-01", "2026-03-01T00:00:00Z", "", "20260301"])
    func badCalendarDaysAreRefused(text: String) {
        #expect(CalendarDay(text) == nil)
    }
}
