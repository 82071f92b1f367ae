import TollgateBilling

/// One line of the accounting journal (docs/accounting.md): one side of a balanced entry. Every entry the journal
/// posts is two lines of the same amount, one debit and one credit, sharing the record seq that caused them.
///
/// Amounts are integer micro-dollars: 1,000 credits = 1.00 USD makes one millicredit exactly one micro-dollar, so
/// every consumption, however small, has an exact cash value and no rounding is ever needed.
public struct JournalLine: Hashable, Sendable {
    /// The time of the record that caused the line (its UTC date is the line's date).
    public var time: Timestamp
    /// The seq of the record that caused the line (the grant, debit, refund, …): the reference.
    public var seq: Int64
    public var entry: JournalEntryKind
    public var account: JournalAccount
    /// Exactly one of `debitMicroUSD` and `creditMicroUSD` is > 0.
    public var debitMicroUSD: Int64
    public var creditMicroUSD: Int64
    public var userID: String
    /// The purchased lot whose cash the line moves (the purchase grant's seq).
    public var lotSeq: Int64?
    /// The payment provider's id of the lot's purchase, when the purchase carried one.
    public var paymentID: String?

    public init(
        time: Timestamp, seq: Int64, entry: JournalEntryKind, account: JournalAccount, debitMicroUSD: Int64,
        creditMicroUSD: Int64, userID: String, lotSeq: Int64? = nil, paymentID: String? = nil
    ) {
        self.time = time; self.seq = seq; self.entry = entry; self.account = account
        self.debitMicroUSD = debitMicroUSD; self.creditMicroUSD = creditMicroUSD
        self.userID = userID; self.lotSeq = lotSeq; self.paymentID = paymentID
    }

    /// `YYYY-MM-DD` (UTC).
    public var date: String { String(time.rfc3339.prefix(10)) }

    public var json: JSONValue {
        .object([
            ("date", .string(date)), ("time", .string(time.rfc3339)), ("entry", .string(entry.rawValue)),
            ("account", .string(account.rawValue)),
            ("debit", .string(Millicredits(rawValue: debitMicroUSD).usdFormatted)),
            ("credit", .string(Millicredits(rawValue: creditMicroUSD).usdFormatted)),
            ("currency", .string(JournalAccount.currency)), ("reference_seq", .int(seq)),
            ("payment_id", paymentID.map(JSONValue.string) ?? .null), ("user_id", .string(userID)),
            ("lot_seq", lotSeq.map(JSONValue.int) ?? .null),
        ])
    }
}

/// The journal's accounts (the names are what the export prints).
public enum JournalAccount: String, CaseIterable, Hashable, Sendable {
    /// Cash received from purchases (an asset: debit-normal).
    case cash
    /// Purchased credits not yet consumed (a liability: credit-normal).
    case deferredRevenue = "deferred_revenue"
    /// Purchased credits consumed (income: credit-normal).
    case revenue

    public static let currency = "USD"

    /// Whether the account's natural balance is Σ debits − Σ credits (else Σ credits − Σ debits).
    public var isDebitNormal: Bool { self == .cash }
}

/// Why an entry was posted (the CSV's `entry` column).
public enum JournalEntryKind: String, CaseIterable, Hashable, Sendable {
    /// A purchase grant: Dr cash / Cr deferred_revenue.
    case purchase
    /// A charged debit consumed purchased credits: Dr deferred_revenue / Cr revenue.
    case consumption
    /// A refund of a debit gave purchased credits back: Dr revenue / Cr deferred_revenue.
    case consumptionReversal = "consumption_reversal"
    /// Credits arriving while the user was overdrawn paid the overdraft: Dr deferred_revenue / Cr revenue.
    case overdraftSettlement = "overdraft_settlement"
    /// Cash returned to the buyer: Dr deferred_revenue (unconsumed part) or Dr revenue (consumed part) / Cr cash.
    case cashRefund = "cash_refund"
    /// A cash refund larger than the lot's unconsumed credits takes the rest from the user's other credits.
    case cashRefundCover = "cash_refund_cover"
}
