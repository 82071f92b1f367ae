import Testing
import TollgateBilling
import TollgateEngine
import TollgateSimulation

/// The end of `replay --verify`'s accounting check (``AccountingVerifier/finish(balances:)``): sorted balances are
/// merged with the journal's sorted pools in one pass, any other order goes through a dictionary; either way the
/// report is the one the dictionary-and-sort comparison gave (written out below as the reference), and the journal's
/// half may run first on another thread (``AccountingVerifier/finishJournal()``) without changing it.
@Suite struct AccountingFinishTests {
    /// The comparison as it was written before the merge: a dictionary of the balances, the pools by sorted id,
    /// then each non-zero balance without a pool in the balances' order.
    static func reference(
        pools: [String: AccountingPool], balances: [(userID: String, balance: Millicredits)]
    ) -> [String] {
        var details: [String] = []
        var billing: [String: Int64] = [:]
        for (userID, balance) in balances { billing[userID] = balance.rawValue }
        for userID in pools.keys.sorted() {
            let held = pools[userID]!.balanceMillicredits
            let expected = billing[userID] ?? 0
            if held != expected {
                details.append(
                    "user \(userID): the journal holds \(Millicredits(rawValue: held).formatted) credits "
                        + "(free, purchased, overdraft) but the balance is "
                        + Millicredits(rawValue: expected).formatted)
            }
        }
        for (userID, balance) in balances where balance.rawValue != 0 && pools[userID] == nil {
            details.append("user \(userID): the journal holds no credits but the balance is \(balance.formatted)")
        }
        return details
    }

    /// A journal over `userCount` users (ids that sort differently as strings and as numbers), some with grants
    /// and debits, and the billing balances it should match.
    static func journal(seed: UInt64, userCount: Int) -> (AccountingVerifier, [String: Int64]) {
        var random = SplitMix64(seed: seed)
        var verifier = AccountingVerifier()
        var balances: [String: Int64] = [:]
        var time = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        for seq in 1...Int64(userCount * 3) {
            time = time.adding(milliseconds: Timestamp.millisecondsPerMinute)
            let user = "u\(random.next() % UInt64(userCount))"
            let amount = Int64(random.next() % 5_000) + 1
            let record: LedgerRecord =
                balances[user] == nil || random.next() % 2 == 0
                ? .grant(
                    GrantRecord(command: .init(userID: user, amount: Millicredits(rawValue: amount), source: .admin)))
                : .debit(
                    DebitRecord(
                        command: .init(userID: user, amount: Millicredits(rawValue: amount)), enforcementEnabled: false,
                        outcome: .charged(Millicredits(rawValue: amount), warned: false, anomaly: false)))
            verifier.add(LedgerEntry(seq: seq, time: time, record: record))
            balances[user, default: 0] += record.balanceChange.rawValue
        }
        return (verifier, balances)
    }

    /// Balances that disagree with the journal in every way the comparison reports: changed, missing, extra
    /// (zero and non-zero), placed before, between and after the pools' ids.
    static func forged(_ balances: [String: Int64], random: inout SplitMix64) -> [String: Int64] {
        var forged = balances
        for userID in balances.keys.sorted() {
            switch random.next() % 6 {
            case 0: forged[userID]! += 1
            case 1: forged[userID] = nil
            default: break
            }
        }
        for extra in ["a0", "u", "u10x", "u5_", "zz"] { forged[extra] = Int64(random.next() % 3) - 1 }
        return forged
    }

    static func poolDetails(_ violations: [Violation]) -> [String] {
        violations.filter { $0.invariant == AccountingVerifier.poolInvariant }.map(\.detail)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func mergeOfSortedBalancesEqualsTheDictionaryComparison(seed: UInt64) {
        let (verifier, balances) = Self.journal(seed: seed, userCount: 40)
        var random = SplitMix64(seed: seed &* 31)
        let pools = verifier.journal.pools
        for candidate in [balances, Self.forged(balances, random: &random)] {
            let sorted = candidate.sorted { $0.key < $1.key }
                .map { (userID: $0.key, balance: Millicredits(rawValue: $0.value)) }
            var shuffled = sorted
            shuffled.shuffle(using: &random)
            var merged = verifier
            var unsorted = verifier
            let mergedDetails = Self.poolDetails(merged.finish(balances: sorted))
            #expect(mergedDetails == Self.reference(pools: pools, balances: sorted), "seed \(seed)")
            #expect(
                Self.poolDetails(unsorted.finish(balances: shuffled))
                    == Self.reference(pools: pools, balances: shuffled),
                "seed \(seed)")
            if candidate == balances { #expect(mergedDetails.isEmpty) } else { #expect(!mergedDetails.isEmpty) }
        }
    }

    @Test func journalHalfFirstGivesTheSameReport() {
        let (verifier, balances) = Self.journal(seed: 9, userCount: 25)
        var random = SplitMix64(seed: 9)
        let forged = Self.forged(balances, random: &random).sorted { $0.key < $1.key }
            .map { (userID: $0.key, balance: Millicredits(rawValue: $0.value)) }
        var atOnce = verifier
        var inTwo = verifier
        inTwo.finishJournal()
        inTwo.finishJournal()  // idempotent
        var kept = inTwo.keepingOnlyFinish()
        #expect(kept.journal.pools.isEmpty)
        let expected = atOnce.finish(balances: forged)
        #expect(!expected.isEmpty)
        #expect(inTwo.finish(balances: forged) == expected)
        #expect(kept.finish(balances: forged) == expected)
    }

    @Test func emptyJournalReportsEveryNonZeroBalance() {
        var verifier = AccountingVerifier()
        let balances: [(userID: String, balance: Millicredits)] = [
            ("a", Millicredits(rawValue: 0)), ("b", Millicredits(rawValue: -5)), ("c", Millicredits(rawValue: 7)),
        ]
        #expect(
            Self.poolDetails(verifier.finish(balances: balances)) == [
                "user b: the journal holds no credits but the balance is -0.005",
                "user c: the journal holds no credits but the balance is 0.007",
            ])
    }
}
