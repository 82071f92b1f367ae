/// A verified payment-provider event, reduced to the fields billing needs. Never the raw payload: the signature is
/// checked and the JSON parsed at the transport edge, and only these fields reach the log (`payment_event` record).
///
/// Amounts are the provider's integer cents of USD; 1 cent = 10 credits = 10,000 millicredits (1,000 credits =
/// $1.00). For `charge.refunded` `amountCents` is the provider's cumulative amount refunded on the payment so far
/// (Stripe's `amount_refunded`), so redeliveries and out-of-order refund events never refund twice.
public struct PaymentEvent: Hashable, Sendable {
    public enum Kind: UInt8, CaseIterable, Hashable, Sendable {
        case checkoutSessionCompleted = 1
        case paymentIntentSucceeded = 2
        case chargeRefunded = 3

        /// The provider's `type` string.
        public var name: String {
            switch self {
            case .checkoutSessionCompleted: "checkout.session.completed"
            case .paymentIntentSucceeded: "payment_intent.succeeded"
            case .chargeRefunded: "charge.refunded"
            }
        }

        public init?(name: String) {
            guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = kind
        }

        /// A purchase (credits granted) rather than a cash refund (credits removed).
        public var isPurchase: Bool { self != .chargeRefunded }
    }

    /// The provider's event id (`evt_…`): the deduplication key. Identifier grammar.
    public var eventID: String
    public var kind: Kind
    /// The provider's `created`, Unix seconds (informational; never a decision time).
    public var createdUnixSeconds: Int64
    /// The user credited by a purchase; nil for refunds (the purchase names the user).
    public var userID: String?
    /// Integer cents, ≥ 0 (a zero or oversized amount is decided as `bad_amount`).
    public var amountCents: Int64
    /// Lowercased ISO currency code as sent (only `usd` applies; others are decided as `unsupported_currency`).
    public var currency: String
    /// The provider's payment id (`pi_…`): links a purchase and its cash refunds.
    public var paymentID: String

    public init(
        eventID: String, kind: Kind, createdUnixSeconds: Int64, userID: String?, amountCents: Int64,
        currency: String, paymentID: String
    ) {
        self.eventID = eventID; self.kind = kind; self.createdUnixSeconds = createdUnixSeconds
        self.userID = userID; self.amountCents = amountCents; self.currency = currency; self.paymentID = paymentID
    }

    /// Millicredits per cent: 1,000 credits = $1.00 = 100 cents, so 1 cent = 10 credits.
    public static let millicreditsPerCent: Int64 = 10 * Millicredits.perCredit
    /// The largest amount in cents whose credits stay within the contract's ±9e15 millicredits.
    public static let amountCentsMax: Int64 = Millicredits.magnitudeMax / millicreditsPerCent
    /// The only currency purchases are accepted in.
    public static let acceptedCurrency = "usd"
}
