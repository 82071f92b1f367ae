import TollgateBilling

/// The accounting part of `replay --verify`: folds the journal beside the billing verifier and checks its
/// invariants (``JournalCheck``) plus one that ties the projection to the billing state: every user's credits as
/// the journal holds them (free + unconsumed lots − overdraft) equal their billing balance.
///
/// Fed the records the billing verifier has already decoded (one decode per record in a replay).
public struct AccountingVerifier: Sendable {
    public private(set) var journal = AccountingJournal()
    private var check = JournalCheck()
    /// Reused for every record: the entries it posted, checked as they are (no line is spelled out).
    private var postings: [JournalPosting] = []
    /// ``finishJournal()``'s answer: the journal's violations and the pools' credits by user id.
    private var finished: (violations: [Violation], pools: [(userID: String, balanceMillicredits: Int64)])?

    public static let poolInvariant = "accounting_credits_match_balance"
    public init() {}

    /// Prepares for about `records` more records (an estimate): the journal's per-debit table is reserved once
    /// instead of doubled as it fills (``LedgerVerifier/reserveCapacity(records:)``), and so are its per-user
    /// arrays, as for at most that many users (a user needs a record).
    public mutating func reserveCapacity(records: Int) {
        journal.singleLotDebits.reserveCapacity(max(0, records))
        journal.reserveCapacity(users: records)
    }

    /// The bytes reserved for the journal's single-lot table (``reserveCapacity(records:)``), as an address range
    /// to advise the kernel about (``HugePages/advise(_:)``); valid only during `body`.
    func withReservedTableBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try journal.singleLotDebits.withReservedBytes(body)
    }

    public mutating func add(_ entry: LedgerEntry) {
        postings.removeAll(keepingCapacity: true)
        guard entry.record.rejection == nil, let userID = entry.record.userID else { return }
        journal.apply(entry, userSlot: Int(journal.userSlot(of: userID)), postings: &postings)
        checkPostings()
    }

    /// ``add(_:)`` for a record whose user's slot the caller numbered (``AccountingJournal/apply(_:userSlot:posting:)``).
    public mutating func add(_ entry: LedgerEntry, userSlot: Int) {
        postings.removeAll(keepingCapacity: true)
        journal.apply(entry, userSlot: userSlot, postings: &postings)
        checkPostings()
    }

    /// ``add(_:userSlot:)`` of a debit held apart from the enum (``CompactDebit``).
    public mutating func add(debit: CompactDebit, seq: Int64, time: Timestamp, userSlot: Int) {
        postings.removeAll(keepingCapacity: true)
        journal.applyDebit(
            userID: debit.userID, chargedMillicredits: debit.chargedMillicredits, seq: seq, time: time,
            userSlot: userSlot, postings: &postings)
        checkPostings()
    }

    /// ``add(debit:seq:time:userSlot:)`` of a debit whose user an earlier record gave `userSlot` (``KeyedDebit``).
    public mutating func add(debit: KeyedDebit, seq: Int64, time: Timestamp, userSlot: Int) {
        // The common case — one open lot covers the charge — posts one entry, checked at once without the array.
        let charged = debit.chargedMillicredits
        if charged > 0,
            let posting = journal.applyDebitFromOpenLot(
                chargedMillicredits: charged, seq: seq, time: time, userSlot: userSlot)
        {
            assert(finished == nil, "nothing is added after finishJournal()")
            check.add(posting)
            return
        }
        postings.removeAll(keepingCapacity: true)
        journal.applyDebit(
            chargedMillicredits: debit.chargedMillicredits, seq: seq, time: time, userSlot: userSlot,
            postings: &postings)
        checkPostings()
    }

    /// Feeds the entries just posted to the check: each one's two lines (``JournalCheck/add(_:)``).
    private mutating func checkPostings() {
        assert(finished == nil, "nothing is added after finishJournal()")
        for posting in postings { check.add(posting) }
    }

    /// The journal's half of ``finish(balances:)``: its own invariants and every pool's credits sorted by user id.
    /// Needs nothing from the billing verifier, so a replay runs it on the journal's thread as soon as the last
    /// record is journaled, beside the billing verifier's last records. Idempotent; nothing may be added after it.
    public mutating func finishJournal() {
        guard finished == nil else { return }
        finished = (
            check.finish(unconsumedPurchasedMicroUSD: Int128(journal.unconsumedPurchasedMicroUSD)),
            journal.poolBalancesByUserID()
        )
    }

    /// A verifier holding only ``finishJournal()``'s answer (an empty journal), which ``finish(balances:)`` needs: a
    /// replay's journal thread hands this on and frees the journal's tables itself, beside the verifier's last
    /// records, instead of the report's thread freeing them after its checks.
    public func keepingOnlyFinish() -> AccountingVerifier {
        precondition(finished != nil, "finishJournal() before keepingOnlyFinish()")
        var kept = AccountingVerifier()
        kept.finished = finished
        return kept
    }

    /// The journal's invariants, then every user's credits against `balances` (the billing state's): each pool
    /// whose credits differ from its user's balance (0 for a user not listed), by user id, then each user with a
    /// balance other than 0 and no pool, in the order of `balances`.
    ///
    /// `balances` sorted by user id (as ``State/balances()`` gives them) are merged with the sorted pools in one
    /// pass; any other order takes a dictionary of them (the same report).
    public mutating func finish(balances: [(userID: String, balance: Millicredits)]) -> [Violation] {
        finishJournal()
        guard let (journalViolations, pools) = finished else { preconditionFailure("finishJournal() just ran") }
        var violations = journalViolations
        let sorted = balances.indices.dropFirst().allSatisfy { balances[$0 - 1].userID < balances[$0].userID }
        guard sorted else { return violations + Self.poolViolations(pools: pools, unsortedBalances: balances) }
        var withoutPool: [Violation] = []
        var next = 0
        for pool in pools {
            while next < balances.count, balances[next].userID < pool.userID {
                if balances[next].balance.rawValue != 0 { withoutPool.append(Self.noPool(balances[next])) }
                next += 1
            }
            var expected: Int64 = 0
            if next < balances.count, balances[next].userID == pool.userID {
                expected = balances[next].balance.rawValue
                next += 1
            }
            if pool.balanceMillicredits != expected {
                violations.append(
                    Self.mismatch(userID: pool.userID, held: pool.balanceMillicredits, expected: expected))
            }
        }
        for balance in balances[next...] where balance.balance.rawValue != 0 {
            withoutPool.append(Self.noPool(balance))
        }
        return violations + withoutPool
    }

    /// ``finish(balances:)``'s comparison for balances in any order, through a dictionary of them.
    private static func poolViolations(
        pools: [(userID: String, balanceMillicredits: Int64)],
        unsortedBalances balances: [(userID: String, balance: Millicredits)]
    ) -> [Violation] {
        var violations: [Violation] = []
        var billing: [String: Int64] = [:]
        for (userID, balance) in balances { billing[userID] = balance.rawValue }
        var pooled: Set<String> = []
        for pool in pools {
            pooled.insert(pool.userID)
            let expected = billing[pool.userID] ?? 0
            if pool.balanceMillicredits != expected {
                violations.append(mismatch(userID: pool.userID, held: pool.balanceMillicredits, expected: expected))
            }
        }
        for balance in balances where balance.balance.rawValue != 0 && !pooled.contains(balance.userID) {
            violations.append(noPool(balance))
        }
        return violations
    }

    private static func mismatch(userID: String, held: Int64, expected: Int64) -> Violation {
        Violation(
            invariant: poolInvariant, seq: nil,
            detail: "user \(userID): the journal holds \(Millicredits(rawValue: held).formatted) credits "
                + "(free, purchased, overdraft) but the balance is " + Millicredits(rawValue: expected).formatted)
    }

    private static func noPool(_ balance: (userID: String, balance: Millicredits)) -> Violation {
        Violation(
            invariant: poolInvariant, seq: nil,
            detail: "user \(balance.userID): the journal holds no credits but the balance is "
                + balance.balance.formatted)
    }
}
