/// How one attempt to apply a payment event ended when it did not move credits: a failure (retried, then
/// dead-lettered) or a settlement with nothing to do.
///
/// Raw values are part of the record format (docs/record-format.md): never renumber, only add.
public enum PaymentAttemptOutcome: UInt8, CaseIterable, Hashable, Sendable {
    /// The purchase names a user the engine has never seen (no record of theirs was ever applied).
    case unknownUser = 1
    /// A currency other than `usd`.
    case unsupportedCurrency = 2
    /// Zero, or beyond what the ledger can hold.
    case badAmount = 3
    /// A refund of a payment no purchase credited (yet: the purchase event may still arrive).
    case unknownPayment = 4
    /// A refund larger than the purchase.
    case refundExceedsPurchase = 5
    /// The balance would leave the Int64 range of millicredits.
    case balanceLimitExceeded = 6
    /// Settled: another event already credited this payment (checkout and payment-intent events of one payment).
    case alreadyCredited = 16
    /// Settled: the cumulative refunded amount is already removed (a redelivered or out-of-order refund).
    case alreadyRefunded = 17

    /// A failure is retried and, after ``PaymentLedger/failedAttemptCountMax`` of them, dead-lettered.
    public var isFailure: Bool { rawValue < 16 }

    public var code: String {
        switch self {
        case .unknownUser: "unknown_user"
        case .unsupportedCurrency: "unsupported_currency"
        case .badAmount: "bad_amount"
        case .unknownPayment: "unknown_payment"
        case .refundExceedsPurchase: "refund_exceeds_purchase"
        case .balanceLimitExceeded: "balance_limit_exceeded"
        case .alreadyCredited: "already_credited"
        case .alreadyRefunded: "already_refunded"
        }
    }
}
