import TollgateBilling

/// One balanced entry as ``AccountingJournal`` posts it: its two ``JournalLine``s (debit side, then credit side, of
/// the same amount) without their strings. The user is its journal slot and the payment id is the lot's
/// (``PurchaseLot/paymentID``: every line names a lot, and a lot's payment id never changes), so posting an entry
/// copies integers only and retains nothing; the lines are spelled out (``AccountingJournal/lines(of:)``) only for
/// an export or a caller of the public `apply`s. A verified replay checks postings and never spells one out
/// (docs/engine.md, "How `replay --verify` uses the second core").
struct JournalPosting: Sendable {
    /// The time of the record that caused the entry.
    var time: Timestamp
    /// The seq of the record that caused the entry.
    var seq: Int64
    /// The lot whose cash the entry moves (a purchase grant's seq).
    var lotSeq: Int64
    /// > 0: the debit line's debit and the credit line's credit.
    var microUSD: Int64
    /// The user's slot in the journal that posted it.
    var userSlot: Int32
    var kind: JournalEntryKind
    var debitAccount: JournalAccount
    var creditAccount: JournalAccount
}
