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

    public static let poolInvariant = "accounting_credits_match_balance"
    public init() {}

    /// Prepares for about `records` more records (an estimate): the journal's per-debit table is reserved once
    /// instead of doubled as it fills (``LedgerVerifier/reserveCapacity(records:)``).
    public mutating func reserveCapacity(records: Int) {
        journal.singleLotDebits.reserveCapacity(max(0, records))
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
        postings.removeAll(keepingCapacity: true)
        journal.applyDebit(
            chargedMillicredits: debit.chargedMillicredits, seq: seq, time: time, userSlot: userSlot,
            postings: &postings)
        checkPostings()
    }

    /// Feeds the entries just posted to the check: each one's two lines (``JournalCheck/add(_:)``).
    private mutating func checkPostings() {
        for posting in postings { check.add(posting) }
    }

    /// The journal's invariants, then every user's credits against `balances` (the billing state's).
    public mutating func finish(balances: [(userID: String, balance: Millicredits)]) -> [Violation] {
        var violations = check.finish(unconsumedPurchasedMicroUSD: Int128(journal.unconsumedPurchasedMicroUSD))
        var billing: [String: Int64] = [:]
        for (userID, balance) in balances { billing[userID] = balance.rawValue }
        let pools = journal.pools
        for userID in pools.keys.sorted() {
            let held = pools[userID]!.balanceMillicredits
            let expected = billing[userID] ?? 0
            if held != expected {
                violations.append(
                    Violation(
                        invariant: Self.poolInvariant, seq: nil,
                        detail: "user \(userID): the journal holds \(Millicredits(rawValue: held).formatted) credits "
                            + "(free, purchased, overdraft) but the balance is "
                            + Millicredits(rawValue: expected).formatted))
            }
        }
        for (userID, balance) in balances where balance.rawValue != 0 && pools[userID] == nil {
            violations.append(
                Violation(
                    invariant: Self.poolInvariant, seq: nil,
                    detail: "user \(userID): the journal holds no credits but the balance is \(balance.formatted)"))
        }
        return violations
    }
}
