import Testing
import TollgateBilling
import TollgateEngine
import TollgateSimulation

/// The journal posts entries by user slot and lot (no strings) and spells the lines out only for its caller: the
/// lines must still name each record's user and the payment id of the lot they move, for many users and lots, and
/// the verifier's check of the postings must equal a check of the spelled-out lines.
@Suite struct JournalPostingTests {
    typealias Ledger = AccountingJournalTests.Ledger

    /// Random streams over five users (one id longer than 15 bytes) of purchases with and without a payment id,
    /// free grants, charged debits (single-lot, multi-lot, free, overdrawn), refunds and cash refunds.
    @Test(arguments: 0..<24 as Range<UInt64>)
    func linesNameTheirUserAndTheirLotsPayment(seed: UInt64) {
        var random = SplitMix64(seed: seed &+ 7_000)
        var ledger = Ledger()
        let users = ["ann", "ben", "cid", "dee", "a-user-id-longer-than-fifteen-bytes"]
        var lots: [Int64: (user: String, paymentID: String?)] = [:]
        var lotsByUser: [String: [Int64]] = [:]
        var refundable: [(user: String, seq: Int64, left: Int64)] = []
        var lineCount = 0
        for step in 0..<400 {
            let user = users[Int(random.next() % UInt64(users.count))]
            let amount = Int64(random.next() % 20_000) + 1
            let record: LedgerRecord
            switch random.next() % 12 {
            case 0, 1:
                let paymentID: String? = random.next() % 3 == 0 ? nil : "pi_\(seed)_\(step)_\(user)"
                if let paymentID {
                    record = .purchaseGrant(
                        PurchaseGrantRecord(
                            eventID: "evt_\(step)", attempt: 1, initiatedBy: "webhook", userID: user,
                            paymentID: paymentID, amount: Millicredits(rawValue: 3 * amount)))
                } else {
                    record = .grant(
                        GrantRecord(
                            command: .init(userID: user, amount: Millicredits(rawValue: 3 * amount), source: .purchase)))
                }
                lots[ledger.seq + 1] = (user, paymentID)
                lotsByUser[user, default: []].append(ledger.seq + 1)
            case 2:
                record = .grant(
                    GrantRecord(command: .init(userID: user, amount: Millicredits(rawValue: amount), source: .promo)))
            case 3...7:
                record = .debit(
                    DebitRecord(
                        command: .init(userID: user, amount: Millicredits(rawValue: amount)), enforcementEnabled: false,
                        outcome: .charged(Millicredits(rawValue: amount), warned: false, anomaly: false)))
                refundable.append((user, ledger.seq + 1, amount))
            case 8, 9:
                guard !refundable.isEmpty else { continue }
                let index = Int(random.next() % UInt64(refundable.count))
                let target = refundable[index]
                let part = min(target.left, Int64(random.next() % 10_000) + 1)
                refundable[index].left -= part
                if refundable[index].left == 0 { refundable.remove(at: index) }
                record = .refund(
                    RefundRecord(
                        command: .init(
                            userID: target.user, debitSeq: target.seq, amount: Millicredits(rawValue: part),
                            initiatedBy: "ops")))
            default:
                guard let owned = lotsByUser[user], !owned.isEmpty else { continue }
                let lotSeq = owned[Int(random.next() % UInt64(owned.count))]
                record = .cashRefund(
                    CashRefundRecord(
                        eventID: "evt_\(step)", attempt: 1, initiatedBy: "webhook", userID: user,
                        paymentID: lots[lotSeq]?.paymentID ?? "none", purchaseSeq: lotSeq,
                        amount: Millicredits(rawValue: amount)))
            }
            let posted = ledger.add(record)
            lineCount += posted.lines.count
            #expect(posted.lines.count % 2 == 0)
            for line in posted.lines {
                #expect(line.userID == record.userID, "seed \(seed) seq \(posted.seq)")
                #expect(line.seq == posted.seq && line.time == ledger.time)
                guard let lotSeq = line.lotSeq, let lot = lots[lotSeq] else {
                    Issue.record("seed \(seed) seq \(posted.seq): a line names no lot of the stream")
                    continue
                }
                #expect(lot.user == line.userID, "seed \(seed) seq \(posted.seq): the lot is the user's")
                #expect(line.paymentID == lot.paymentID, "seed \(seed) seq \(posted.seq)")
            }
        }
        #expect(lineCount > 200)
        // The verifier checked postings; a check fed the spelled-out lines agrees, and so do the journals.
        var linesCheck = JournalCheck()
        for line in ledger.lines { linesCheck.add(line) }
        #expect(linesCheck.deferredRevenueMicroUSD == Int128(ledger.journal.balance(of: .deferredRevenue)))
        #expect(
            linesCheck.finish(unconsumedPurchasedMicroUSD: Int128(ledger.journal.unconsumedPurchasedMicroUSD)) == [])
        #expect(ledger.verifier.journal.pools == ledger.journal.pools)
        #expect(ledger.violations() == [], "seed \(seed)")
    }

    /// The debit's common case (no free credits, the oldest open lot holds it all) against the general draw's
    /// cases around it: a lot used up exactly moves on to the next, free credits go first, a charge larger than
    /// the open lot spans two, and refunds give each debit's part back to the lot it came from.
    @Test func debitsDrawTheOldestOpenLotExactlyLikeTheGeneralDraw() {
        var ledger = Ledger()
        let first = ledger.grant("ann", 5_000, .purchase)
        let second = ledger.grant("ann", 5_000, .purchase)
        let exact = ledger.debit("ann", 5_000)
        #expect(AccountingJournalTests.summary(exact.lines) == [
            "consumption deferred_revenue 5000 0 lot=\(first)", "consumption revenue 0 5000 lot=\(first)",
        ])
        let next = ledger.debit("ann", 1_000)
        #expect(next.lines.map(\.lotSeq) == [second, second])
        ledger.grant("ann", 500, .promo)
        let withFree = ledger.debit("ann", 700)
        #expect(AccountingJournalTests.summary(withFree.lines) == [
            "consumption deferred_revenue 200 0 lot=\(second)", "consumption revenue 0 200 lot=\(second)",
        ])
        let third = ledger.grant("ann", 5_000, .purchase)
        let spanning = ledger.debit("ann", 4_000)
        #expect(spanning.lines.map(\.lotSeq) == [second, second, third, third])
        #expect(spanning.lines.map(\.debitMicroUSD) == [3_800, 0, 200, 0])
        #expect(ledger.lot("ann", second)?.remainingMillicredits == 0)
        #expect(ledger.lot("ann", third)?.remainingMillicredits == 4_800)
        // Refunds: the single-lot debit's part goes back to its lot, the spanning one's newest part first.
        #expect(ledger.refund("ann", debitSeq: exact.seq, 2_000).map(\.lotSeq) == [first, first])
        #expect(ledger.refund("ann", debitSeq: spanning.seq, 200).map(\.lotSeq) == [third, third])
        #expect(ledger.lot("ann", first)?.remainingMillicredits == 2_000)
        #expect(ledger.lot("ann", third)?.remainingMillicredits == 5_000)
        // The oldest open lot is the first again: the next debit it can hold comes from it.
        #expect(ledger.debit("ann", 1_500).lines.map(\.lotSeq) == [first, first])
        #expect(ledger.violations() == [])
    }
}
