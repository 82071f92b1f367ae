import TollgateBilling

/// The double-entry journal of the billing log (docs/accounting.md): a projection, rebuilt by folding the records
/// in seq order, never stored. A purchase grant books Dr cash / Cr deferred_revenue; a charged debit consumes free
/// credits first, then purchased lots oldest first, and books Dr deferred_revenue / Cr revenue for the purchased
/// part; a refund of a debit reverses exactly what that debit consumed, newest part first.
///
/// Deterministic: the only collections iterated are arrays in seq order; dictionaries are only looked up.
/// The caller owns the line buffer (``apply(_:posting:)`` appends), so a replay checks lines without keeping them
/// and an export keeps only its day.
public struct AccountingJournal: Sendable {
    public internal(set) var pools: [String: AccountingPool] = [:]
    /// Natural balances (cash: Σ debits − Σ credits; the others Σ credits − Σ debits) in micro-dollars.
    private var cashMicroUSD: Int64 = 0
    private var deferredRevenueMicroUSD: Int64 = 0
    private var revenueMicroUSD: Int64 = 0
    /// What each debit consumed, for debits that touched more than one source or an overdraft. In consumption
    /// order; a refund reverses from the end.
    var allocations: [Int64: [AllocationPart]] = [:]
    /// (debit seq, lot seq) of the debits that consumed from one lot only — the common case, kept in 16 bytes a
    /// debit, in seq order (debits arrive in seq order). A debit in neither table consumed free credits only.
    var singleLotDebits: [(debitSeq: Int64, lotSeq: Int64)] = []

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
        guard entry.record.rejection == nil else { return }
        switch entry.record {
        case .grant(let r):
            let amount = r.command.amount.rawValue
            if r.command.source == .purchase {
                applyPurchase(
                    userID: r.command.userID, millicredits: amount, paymentID: nil, seq: entry.seq, time: entry.time,
                    posting: &lines)
            } else {
                credit(userID: r.command.userID, freeMillicredits: amount, seq: entry.seq, time: entry.time,
                       posting: &lines)
            }
        case .debit(let r):
            guard case .charged(let charged, _, _) = r.outcome, charged.rawValue > 0 else { return }
            consume(userID: r.command.userID, millicredits: charged.rawValue, debitSeq: entry.seq, time: entry.time,
                    posting: &lines)
        case .refund(let r):
            guard r.amount.rawValue > 0 else { return }
            reverse(userID: r.command.userID, debitSeq: r.command.debitSeq, millicredits: r.amount.rawValue,
                    seq: entry.seq, time: entry.time, posting: &lines)
        case .purchaseGrant(let r):
            applyPurchase(
                userID: r.userID, millicredits: r.amount.rawValue, paymentID: r.paymentID, seq: entry.seq,
                time: entry.time, posting: &lines)
        case .cashRefund(let r):
            // The billing verifier checks that `purchaseSeq` is a purchase of this user; a tampered log that
            // names another posts nothing here and is reported there.
            applyCashRefund(
                userID: r.userID, lotSeq: r.purchaseSeq, millicredits: r.amount.rawValue, seq: entry.seq,
                time: entry.time, posting: &lines)
        default:
            return
        }
    }

    /// A purchase of `millicredits` (cash value: the same number of micro-dollars) as a new lot named by `seq`:
    /// Dr cash / Cr deferred_revenue. The entry point for a payment-linked purchase record.
    public mutating func applyPurchase(
        userID: String, millicredits: Int64, paymentID: String?, seq: Int64, time: Timestamp,
        posting lines: inout [JournalLine]
    ) {
        guard millicredits > 0 else { return }
        let slot = poolIndex(of: userID)
        var pool = takePool(at: slot)
        assert(pool.lots.last.map { $0.seq < seq } ?? true, "lots arrive in seq order")
        pool.lots.append(PurchaseLot(seq: seq, paymentID: paymentID, purchasedMillicredits: millicredits))
        putPool(pool, at: slot)
        post(.purchase, debit: .cash, credit: .deferredRevenue, microUSD: millicredits, seq: seq, time: time,
             userID: userID, lotSeq: seq, paymentID: paymentID, posting: &lines)
        settle(userID: userID, seq: seq, time: time, posting: &lines)
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
        guard millicredits > 0, pools[userID]?.lotIndex(seq: lotSeq) != nil else { return false }
        let slot = poolIndex(of: userID)
        var pool = takePool(at: slot)
        let index = pool.lotIndex(seq: lotSeq)!
        var lot = pool.lots[index]
        let cashBack = min(millicredits, lot.purchasedMillicredits - lot.cashRefundedMillicredits)
        let unconsumed = min(cashBack, lot.remainingMillicredits)
        let consumed = cashBack - unconsumed
        lot.remainingMillicredits -= unconsumed
        lot.cashRefundedMillicredits += cashBack
        lot.assertInvariants()
        pool.lots[index] = lot
        putPool(pool, at: slot)
        if unconsumed > 0 {
            post(.cashRefund, debit: .deferredRevenue, credit: .cash, microUSD: unconsumed, seq: seq, time: time,
                 userID: userID, lotSeq: lotSeq, paymentID: lot.paymentID, posting: &lines)
        }
        if consumed > 0 {
            post(.cashRefund, debit: .revenue, credit: .cash, microUSD: consumed, seq: seq, time: time,
                 userID: userID, lotSeq: lotSeq, paymentID: lot.paymentID, posting: &lines)
        }
        let rest = millicredits - unconsumed
        if rest > 0 {
            let taken = draw(
                userID: userID, millicredits: rest, kind: .cashRefundCover, seq: seq, time: time, posting: &lines)
            if taken.shortfall > 0 { addOverdraft(userID: userID, millicredits: taken.shortfall, debitSeq: nil) }
        }
        return true
    }

    /// Credits without cash (admin, promo, adjustment grants).
    mutating func credit(
        userID: String, freeMillicredits: Int64, seq: Int64, time: Timestamp, posting lines: inout [JournalLine]
    ) {
        guard freeMillicredits > 0 else { return }
        pools[userID, default: AccountingPool()].freeMillicredits &+= freeMillicredits
        settle(userID: userID, seq: seq, time: time, posting: &lines)
    }

    /// Σ over every user of the lots' unconsumed credits: what the deferred_revenue balance must equal.
    /// Summed from the lots themselves (not from the lines), so comparing the two checks the projection.
    public var unconsumedPurchasedMicroUSD: Int64 {
        pools.values.reduce(0) { $0 &+ $1.unconsumedPurchasedMillicredits }
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

    /// The position of the user's pool in ``pools`` (inserting an empty one): hashed once, then the pool is read
    /// and written through the position. Valid until the next insertion.
    mutating func poolIndex(of userID: String) -> [String: AccountingPool].Index {
        if let index = pools.index(forKey: userID) { return index }
        pools[userID] = AccountingPool()
        return pools.index(forKey: userID)!
    }

    /// Moves the pool at `index` out of the dictionary (leaving an empty one in its place), so that mutating it
    /// copies no buffer; the caller puts it back (``putPool(_:at:)``) before anything else reads it.
    mutating func takePool(at index: [String: AccountingPool].Index) -> AccountingPool {
        var pool = AccountingPool()
        swap(&pool, &pools.values[index])
        return pool
    }

    mutating func putPool(_ pool: AccountingPool, at index: [String: AccountingPool].Index) {
        pools.values[index] = pool
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
        time: Timestamp, userID: String, lotSeq: Int64?, paymentID: String?, posting lines: inout [JournalLine]
    ) {
        precondition(microUSD > 0 && debit != credit, "an entry moves a positive amount between two accounts")
        lines.append(
            JournalLine(
                time: time, seq: seq, entry: kind, account: debit, debitMicroUSD: microUSD, creditMicroUSD: 0,
                userID: userID, lotSeq: lotSeq, paymentID: paymentID))
        lines.append(
            JournalLine(
                time: time, seq: seq, entry: kind, account: credit, debitMicroUSD: 0, creditMicroUSD: microUSD,
                userID: userID, lotSeq: lotSeq, paymentID: paymentID))
        addToBalance(debit, debit: microUSD, credit: 0)
        addToBalance(credit, debit: 0, credit: microUSD)
    }
}
