import TollgateBilling

/// The double-entry journal of the billing log (docs/accounting.md): a projection, rebuilt by folding the records
/// in seq order, never stored. A purchase grant books Dr cash / Cr deferred_revenue; a charged debit consumes free
/// credits first, then purchased lots oldest first, and books Dr deferred_revenue / Cr revenue for the purchased
/// part; a refund of a debit reverses exactly what that debit consumed, newest part first.
///
/// Deterministic: the only collections iterated are arrays in seq order; dictionaries are only looked up.
/// The caller owns the line buffer (``apply(_:posting:)`` appends), so a replay checks lines without keeping them
/// and an export keeps only its day. Inside, an entry is posted as a ``JournalPosting`` (the user by slot, the
/// payment id by lot: integers only); the public `apply`s spell its two lines out for their caller, a verified
/// replay (``AccountingVerifier``) checks the postings as they are.
public struct AccountingJournal: Sendable {
    /// Each user's pool by user slot (``userSlot(of:)``): a dense array, so a debit reads and writes its pool in
    /// place — one hash of the user id per record (the slot lookup), none per pool access, and no pool moved out
    /// of and back into a dictionary per debit (both were a measured cost of `replay --verify`).
    private var poolsBySlot: [AccountingPool] = []
    /// Whether the journal has booked anything for the user at a slot: a slot is given to every user id the
    /// journal is shown, a pool exists only where the dictionary this replaced would have held one
    /// (``pools``; the end-of-replay check tells "no credits" from "0 credits").
    private var poolExists: [Bool] = []
    private var userIDsBySlot: [String] = []
    /// The slots of `userIDsBySlot[..<indexedSlotCount]` by user id. Filled only when a user is looked up by id
    /// (``userSlot(of:)``): a journal whose caller numbers the users (a verified replay) never looks one up, and
    /// hashing and growing this dictionary per user was ~2 % of its thread (docs/benchmarks.md `replay-faults`).
    private var slotsByUserID: [String: Int32] = [:]
    private var indexedSlotCount = 0
    /// Natural balances (cash: Σ debits − Σ credits; the others Σ credits − Σ debits) in micro-dollars.
    private var cashMicroUSD: Int64 = 0
    private var deferredRevenueMicroUSD: Int64 = 0
    private var revenueMicroUSD: Int64 = 0
    /// What each debit consumed, for debits that touched more than one source or an overdraft. In consumption
    /// order; a refund reverses from the end.
    var allocations: [Int64: [AllocationPart]] = [:]
    /// The debits that consumed from one lot only — the common case, 8 bytes a debit (``SingleLotDebits``). A
    /// debit in neither table consumed free credits only.
    var singleLotDebits = SingleLotDebits()

    public init() {}

    struct AllocationPart: Hashable, Sendable {
        enum Source: Hashable, Sendable {
            case free
            case lot(seq: Int64)
            case uncovered
        }
        var source: Source
        var millicredits: Int64
    }

    /// Folds one record: applied grants, charged debits, refunds, payment purchases and cash refunds post lines;
    /// everything else is ignored.
    public mutating func apply(_ entry: LedgerEntry, posting lines: inout [JournalLine]) {
        guard entry.record.rejection == nil, let userID = entry.record.userID else { return }
        apply(entry, userSlot: Int(userSlot(of: userID)), posting: &lines)
    }

    /// ``apply(_:posting:)`` for a record whose user id the caller has already turned into its slot, so that a
    /// replay hashes each record's user id once for every projection it feeds. The slots are either the journal's
    /// own (``userSlot(of:)``) or — for a journal fed only through this method, rejected records included — the
    /// caller's numbering in order of first sight (0, 1, 2, …), which the journal then adopts.
    public mutating func apply(_ entry: LedgerEntry, userSlot slot: Int, posting lines: inout [JournalLine]) {
        var postings: [JournalPosting] = []
        apply(entry, userSlot: slot, postings: &postings)
        appendLines(of: postings, to: &lines)
    }

    /// ``apply(_:userSlot:posting:)`` posting ``JournalPosting``s (no strings).
    mutating func apply(_ entry: LedgerEntry, userSlot slot: Int, postings: inout [JournalPosting]) {
        if slot == userIDsBySlot.count, let userID = entry.record.userID { addUser(userID) }
        precondition(slot >= 0 && slot < userIDsBySlot.count, "user slots are given in order of first sight")
        assert(entry.record.userID == userIDsBySlot[slot], "the slot is the record's user's")
        guard entry.record.rejection == nil else { return }
        switch entry.record {
        case .grant(let r):
            let amount = r.command.amount.rawValue
            if r.command.source == .purchase {
                applyPurchase(slot: slot, millicredits: amount, paymentID: nil, seq: entry.seq, time: entry.time,
                              postings: &postings)
            } else {
                credit(slot: slot, freeMillicredits: amount, seq: entry.seq, time: entry.time, postings: &postings)
            }
        case .debit(let r):
            guard case .charged(let charged, _, _) = r.outcome, charged.rawValue > 0 else { return }
            consume(slot: slot, millicredits: charged.rawValue, debitSeq: entry.seq, time: entry.time,
                    postings: &postings)
        case .refund(let r):
            guard r.amount.rawValue > 0 else { return }
            reverse(slot: slot, debitSeq: r.command.debitSeq, millicredits: r.amount.rawValue, seq: entry.seq,
                    time: entry.time, postings: &postings)
        case .purchaseGrant(let r):
            applyPurchase(slot: slot, millicredits: r.amount.rawValue, paymentID: r.paymentID, seq: entry.seq,
                          time: entry.time, postings: &postings)
        case .cashRefund(let r):
            // The billing verifier checks that `purchaseSeq` is a purchase of this user; a tampered log that
            // names another posts nothing here and is reported there.
            applyCashRefund(slot: slot, lotSeq: r.purchaseSeq, millicredits: r.amount.rawValue, seq: entry.seq,
                            time: entry.time, postings: &postings)
        default:
            return
        }
    }

    /// ``apply(_:userSlot:posting:)`` of a debit held apart from the enum (``CompactDebit``): `chargedMillicredits`
    /// is what it charged (0 for a free, shadow or rejected debit, which post nothing). Same slots, same lines.
    public mutating func applyDebit(
        userID: String, chargedMillicredits: Int64, seq: Int64, time: Timestamp, userSlot slot: Int,
        posting lines: inout [JournalLine]
    ) {
        var postings: [JournalPosting] = []
        applyDebit(
            userID: userID, chargedMillicredits: chargedMillicredits, seq: seq, time: time, userSlot: slot,
            postings: &postings)
        appendLines(of: postings, to: &lines)
    }

    /// ``applyDebit(userID:chargedMillicredits:seq:time:userSlot:posting:)`` posting ``JournalPosting``s.
    mutating func applyDebit(
        userID: String, chargedMillicredits: Int64, seq: Int64, time: Timestamp, userSlot slot: Int,
        postings: inout [JournalPosting]
    ) {
        if slot == userIDsBySlot.count { addUser(userID) }
        precondition(slot >= 0 && slot < userIDsBySlot.count, "user slots are given in order of first sight")
        assert(userID == userIDsBySlot[slot], "the slot is the record's user's")
        guard chargedMillicredits > 0 else { return }
        consume(slot: slot, millicredits: chargedMillicredits, debitSeq: seq, time: time, postings: &postings)
    }

    /// ``applyDebit(userID:chargedMillicredits:seq:time:userSlot:posting:)`` of a user who has `slot` already (a
    /// ``KeyedDebit``): the journal's own copy of the id.
    public mutating func applyDebit(
        chargedMillicredits: Int64, seq: Int64, time: Timestamp, userSlot slot: Int, posting lines: inout [JournalLine]
    ) {
        var postings: [JournalPosting] = []
        applyDebit(chargedMillicredits: chargedMillicredits, seq: seq, time: time, userSlot: slot, postings: &postings)
        appendLines(of: postings, to: &lines)
    }

    /// ``applyDebit(chargedMillicredits:seq:time:userSlot:posting:)`` posting ``JournalPosting``s: no string is
    /// touched, the user is its slot.
    mutating func applyDebit(
        chargedMillicredits: Int64, seq: Int64, time: Timestamp, userSlot slot: Int,
        postings: inout [JournalPosting]
    ) {
        precondition(slot >= 0 && slot < userIDsBySlot.count, "the user has its slot")
        guard chargedMillicredits > 0 else { return }
        consume(slot: slot, millicredits: chargedMillicredits, debitSeq: seq, time: time, postings: &postings)
    }

    /// ``applyDebit(chargedMillicredits:seq:time:userSlot:postings:)`` of a charge (> 0) that the user's oldest open
    /// lot covers alone with no free credits (a replay's common debit): its one entry; nil, and nothing changed,
    /// otherwise — the caller then applies the debit the general way.
    mutating func applyDebitFromOpenLot(
        chargedMillicredits: Int64, seq: Int64, time: Timestamp, userSlot slot: Int
    ) -> JournalPosting? {
        precondition(slot >= 0 && slot < userIDsBySlot.count, "the user has its slot")
        assert(chargedMillicredits > 0, "a charge")
        return consumeFromOpenLot(slot: slot, millicredits: chargedMillicredits, debitSeq: seq, time: time)
    }

    /// A purchase of `millicredits` (cash value: the same number of micro-dollars) as a new lot named by `seq`:
    /// Dr cash / Cr deferred_revenue. The entry point for a payment-linked purchase record.
    public mutating func applyPurchase(
        userID: String, millicredits: Int64, paymentID: String?, seq: Int64, time: Timestamp,
        posting lines: inout [JournalLine]
    ) {
        var postings: [JournalPosting] = []
        applyPurchase(
            slot: Int(userSlot(of: userID)), millicredits: millicredits, paymentID: paymentID, seq: seq, time: time,
            postings: &postings)
        appendLines(of: postings, to: &lines)
    }

    mutating func applyPurchase(
        slot: Int, millicredits: Int64, paymentID: String?, seq: Int64, time: Timestamp,
        postings: inout [JournalPosting]
    ) {
        guard millicredits > 0 else { return }
        ensurePool(slot: slot)
        assert(poolsBySlot[slot].lots.last.map { $0.seq < seq } ?? true, "lots arrive in seq order")
        poolsBySlot[slot].lots.append(PurchaseLot(seq: seq, paymentID: paymentID, purchasedMillicredits: millicredits))
        post(.purchase, debit: .cash, credit: .deferredRevenue, microUSD: millicredits, seq: seq, time: time,
             slot: slot, lotSeq: seq, postings: &postings)
        settle(slot: slot, seq: seq, time: time, postings: &postings)
    }

    /// A cash refund of `millicredits` of the lot `lotSeq`, removing as many credits from the user's balance.
    /// The unconsumed part of the lot goes back as Dr deferred_revenue / Cr cash; cash for credits already
    /// consumed is taken back from revenue (Dr revenue / Cr cash) and the user's other credits cover the removed
    /// credits (free first, then lots oldest first, else an overdraft). Cash returned never exceeds what the lot
    /// was paid; returns false (and posts nothing) when `lotSeq` is not a lot of this user.
    @discardableResult
    public mutating func applyCashRefund(
        userID: String, lotSeq: Int64, millicredits: Int64, seq: Int64, time: Timestamp,
        posting lines: inout [JournalLine]
    ) -> Bool {
        var postings: [JournalPosting] = []
        let applied = applyCashRefund(
            slot: Int(userSlot(of: userID)), lotSeq: lotSeq, millicredits: millicredits, seq: seq, time: time,
            postings: &postings)
        appendLines(of: postings, to: &lines)
        return applied
    }

    @discardableResult
    mutating func applyCashRefund(
        slot: Int, lotSeq: Int64, millicredits: Int64, seq: Int64, time: Timestamp, postings: inout [JournalPosting]
    ) -> Bool {
        guard millicredits > 0, poolExists[slot], let index = poolsBySlot[slot].lotIndex(seq: lotSeq) else {
            return false
        }
        var lot = poolsBySlot[slot].lots[index]
        let cashBack = min(millicredits, lot.purchasedMillicredits - lot.cashRefundedMillicredits)
        let unconsumed = min(cashBack, lot.remainingMillicredits)
        let consumed = cashBack - unconsumed
        lot.remainingMillicredits -= unconsumed
        lot.cashRefundedMillicredits += cashBack
        lot.assertInvariants()
        poolsBySlot[slot].lots[index] = lot
        if unconsumed > 0 {
            post(.cashRefund, debit: .deferredRevenue, credit: .cash, microUSD: unconsumed, seq: seq, time: time,
                 slot: slot, lotSeq: lotSeq, postings: &postings)
        }
        if consumed > 0 {
            post(.cashRefund, debit: .revenue, credit: .cash, microUSD: consumed, seq: seq, time: time, slot: slot,
                 lotSeq: lotSeq, postings: &postings)
        }
        let rest = millicredits - unconsumed
        if rest > 0 {
            let taken = draw(
                slot: slot, millicredits: rest, kind: .cashRefundCover, seq: seq, time: time, postings: &postings)
            if taken.shortfall > 0 { addOverdraft(slot: slot, millicredits: taken.shortfall, debitSeq: nil) }
        }
        return true
    }

    /// Credits without cash (admin, promo, adjustment grants).
    mutating func credit(
        slot: Int, freeMillicredits: Int64, seq: Int64, time: Timestamp, postings: inout [JournalPosting]
    ) {
        guard freeMillicredits > 0 else { return }
        ensurePool(slot: slot)
        poolsBySlot[slot].freeMillicredits &+= freeMillicredits
        settle(slot: slot, seq: seq, time: time, postings: &postings)
    }

    /// Σ over every user of the lots' unconsumed credits: what the deferred_revenue balance must equal.
    /// Summed from the lots themselves (not from the lines), so comparing the two checks the projection.
    public var unconsumedPurchasedMicroUSD: Int64 {
        var total: Int64 = 0
        for slot in poolsBySlot.indices where poolExists[slot] {
            total &+= poolsBySlot[slot].unconsumedPurchasedMillicredits
        }
        return total
    }

    /// The natural balance of `account`.
    public func balance(of account: JournalAccount) -> Int64 {
        switch account {
        case .cash: cashMicroUSD
        case .deferredRevenue: deferredRevenueMicroUSD
        case .revenue: revenueMicroUSD
        }
    }

    /// Every account's natural balance.
    public var balancesMicroUSD: [JournalAccount: Int64] {
        [.cash: cashMicroUSD, .deferredRevenue: deferredRevenueMicroUSD, .revenue: revenueMicroUSD]
    }

    /// Every user's pool by user id (built on demand: for the end of a replay and for tests).
    public var pools: [String: AccountingPool] {
        var all: [String: AccountingPool] = [:]
        for slot in poolsBySlot.indices where poolExists[slot] { all[userIDsBySlot[slot]] = poolsBySlot[slot] }
        return all
    }

    /// Every user's pool balance (``AccountingPool/balanceMillicredits``), sorted by user id: what the end of a
    /// replay compares with the billing balances, built where the journal was folded (its own thread).
    public func poolBalancesByUserID() -> [(userID: String, balanceMillicredits: Int64)] {
        var all: [(userID: String, balanceMillicredits: Int64)] = []
        all.reserveCapacity(poolsBySlot.count)
        for slot in poolsBySlot.indices where poolExists[slot] {
            all.append((userIDsBySlot[slot], poolsBySlot[slot].balanceMillicredits))
        }
        // Ids are unique (one slot per user), so the order is total.
        all.sort { $0.userID < $1.userID }
        return all
    }

    /// The user's pool, nil when the journal has booked nothing for it.
    public func pool(of userID: String) -> AccountingPool? {
        guard let slot = slotIfAny(of: userID), poolExists[slot] else { return nil }
        return poolsBySlot[slot]
    }

    /// The user's slot without indexing anything: the dictionary, then the slots it does not hold yet one by one
    /// (a journal fed by slot; only tests ask it).
    private func slotIfAny(of userID: String) -> Int? {
        if let slot = slotsByUserID[userID] { return Int(slot) }
        return userIDsBySlot[indexedSlotCount...].firstIndex(of: userID)  // Bounded by the slots.
    }

    /// The user's slot: dense, in order of first sight, never reused (giving one creates no pool). A replay asks
    /// for it once per record and hands it to ``apply(_:userSlot:posting:)`` and to the billing verifier.
    public mutating func userSlot(of userID: String) -> Int32 {
        indexSlots()
        if let slot = slotsByUserID[userID] { return slot }
        return addUser(userID)
    }

    /// Puts every slot in the dictionary (the ones given by the caller's numbering since the last lookup).
    private mutating func indexSlots() {
        while indexedSlotCount < userIDsBySlot.count {  // Bounded by the slots.
            let slot = Int32(indexedSlotCount)
            precondition(
                slotsByUserID.updateValue(slot, forKey: userIDsBySlot[indexedSlotCount]) == nil, "a user has one slot")
            indexedSlotCount += 1
        }
    }

    /// Prepares the per-user arrays for about `users` users, up to ``reservedUserCountMax``: they grow in slot
    /// order, so reserved room never written costs no memory, where doubling copied and page-faulted them again.
    public mutating func reserveCapacity(users: Int) {
        let users = min(max(0, users), Self.reservedUserCountMax)
        poolsBySlot.reserveCapacity(users)
        poolExists.reserveCapacity(users)
        userIDsBySlot.reserveCapacity(users)
    }

    /// The most users ``reserveCapacity(users:)`` reserves for: 65,536 × 57 bytes ≈ 3.6 MiB of address space.
    static let reservedUserCountMax = 1 << 16

    /// Gives `userID`, seen for the first time, the next slot. Only a lookup by id (``userSlot(of:)``) indexes it.
    @discardableResult
    private mutating func addUser(_ userID: String) -> Int32 {
        precondition(userIDsBySlot.count < Int(Int32.max), "user count limit reached")
        let slot = Int32(userIDsBySlot.count)
        userIDsBySlot.append(userID)
        poolsBySlot.append(AccountingPool())
        poolExists.append(false)
        assert(poolsBySlot.count == userIDsBySlot.count && poolExists.count == userIDsBySlot.count)
        return slot
    }

    /// Marks the pool at `slot` as existing (where the dictionary this replaced inserted an empty pool).
    mutating func ensurePool(slot: Int) {
        if !poolExists[slot] { poolExists[slot] = true }
    }

    func poolExists(slot: Int) -> Bool { poolExists[slot] }

    /// The pool at `slot`, read and written in place (the array's own accessor: no copy of its buffers).
    subscript(poolAt slot: Int) -> AccountingPool {
        get { poolsBySlot[slot] }
        _modify { yield &poolsBySlot[slot] }
    }

    private mutating func addToBalance(_ account: JournalAccount, debit: Int64, credit: Int64) {
        switch account {
        case .cash: cashMicroUSD &+= debit &- credit
        case .deferredRevenue: deferredRevenueMicroUSD &+= credit &- debit
        case .revenue: revenueMicroUSD &+= credit &- debit
        }
    }

    mutating func post(
        _ kind: JournalEntryKind, debit: JournalAccount, credit: JournalAccount, microUSD: Int64, seq: Int64,
        time: Timestamp, slot: Int, lotSeq: Int64, postings: inout [JournalPosting]
    ) {
        postings.append(
            posting(
                kind, debit: debit, credit: credit, microUSD: microUSD, seq: seq, time: time, slot: slot,
                lotSeq: lotSeq))
    }

    /// ``post(_:debit:credit:microUSD:seq:time:slot:lotSeq:postings:)`` giving the entry back: the balances move,
    /// the caller keeps the posting.
    @inline(__always)
    mutating func posting(
        _ kind: JournalEntryKind, debit: JournalAccount, credit: JournalAccount, microUSD: Int64, seq: Int64,
        time: Timestamp, slot: Int, lotSeq: Int64
    ) -> JournalPosting {
        precondition(microUSD > 0 && debit != credit, "an entry moves a positive amount between two accounts")
        assert(poolsBySlot[slot].lotIndex(seq: lotSeq) != nil, "an entry names a lot of its user")
        addToBalance(debit, debit: microUSD, credit: 0)
        addToBalance(credit, debit: 0, credit: microUSD)
        return JournalPosting(
            time: time, seq: seq, lotSeq: lotSeq, microUSD: microUSD, userSlot: Int32(truncatingIfNeeded: slot),
            kind: kind, debitAccount: debit, creditAccount: credit)
    }

    /// The two lines of each posting (debit side first), with the user's id and the lot's payment id.
    func appendLines(of postings: [JournalPosting], to lines: inout [JournalLine]) {
        for posting in postings {
            let slot = Int(posting.userSlot)
            let pool = poolsBySlot[slot]
            guard let lotIndex = pool.lotIndex(seq: posting.lotSeq) else {
                preconditionFailure("a posting names a lot of its user")
            }
            let userID = userIDsBySlot[slot]
            let paymentID = pool.lots[lotIndex].paymentID
            lines.append(
                JournalLine(
                    time: posting.time, seq: posting.seq, entry: posting.kind, account: posting.debitAccount,
                    debitMicroUSD: posting.microUSD, creditMicroUSD: 0, userID: userID, lotSeq: posting.lotSeq,
                    paymentID: paymentID))
            lines.append(
                JournalLine(
                    time: posting.time, seq: posting.seq, entry: posting.kind, account: posting.creditAccount,
                    debitMicroUSD: 0, creditMicroUSD: posting.microUSD, userID: userID, lotSeq: posting.lotSeq,
                    paymentID: paymentID))
        }
    }
}
