import TollgateBilling

/// A user's credit transactions, newest first, a page at a time (`tollgate transactions`,
/// `/users/me/transactions`).
///
/// The balance after each transaction is the running sum of the user's applied grants and refunds minus charged
/// debits — by the invariant `replay --verify` and `reconcile` check, the folded balance. By default a page lists
/// only records that moved the balance; `includeAll` adds free and shadow debits and rejected grants, debits and
/// refunds (balance change 0).
public struct TransactionQuery: Sendable {
    public var userID: String
    /// At most this many transactions per page.
    public var limit: Int
    /// Only transactions with seq < this (the `next_before_seq` of the previous page).
    public var beforeSeq: Int64?
    public var includeAll: Bool

    public static let limitDefault = 50
    public static let limitMax = 100_000

    public init(userID: String, limit: Int = limitDefault, beforeSeq: Int64? = nil, includeAll: Bool = false) {
        precondition(limit >= 1 && limit <= Self.limitMax)
        self.userID = userID; self.limit = limit; self.beforeSeq = beforeSeq; self.includeAll = includeAll
    }

    public struct Page: Sendable {
        public var userID: String
        /// Newest first.
        public var transactions: [CreditTransaction]
        /// Pass as `beforeSeq` for the next (older) page; nil when this page reaches the oldest.
        public var nextBeforeSeq: Int64?

        public var json: JSONValue {
            .object([
                ("user_id", .string(userID)), ("transactions", .array(transactions.map(\.json))),
                ("next_before_seq", nextBeforeSeq.map(JSONValue.int) ?? .null),
            ])
        }
    }

    public func run(directory: String, progress: ((Int64) -> Void)? = nil) throws(EngineError) -> Page {
        var newest = NewestEntries<CreditTransaction>(limit: limit)
        var balance: Int64 = 0
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            if let beforeSeq, entry.seq >= beforeSeq { return false }
            guard entry.record.userID == userID else { return true }
            balance &+= entry.record.balanceChange.rawValue
            guard
                let transaction = entry.record.creditTransaction(
                    seq: entry.seq, time: entry.time, balanceAfter: Millicredits(rawValue: balance))
            else { return true }
            if includeAll || transaction.changesBalance { newest.append(transaction) }
            return true
        }
        let transactions = newest.newestFirst
        return Page(
            userID: userID, transactions: transactions,
            nextBeforeSeq: newest.hasOlder ? transactions.last?.seq : nil)
    }
}
