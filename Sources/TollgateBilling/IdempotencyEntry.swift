/// What an applied command registered under its key: the payload a retry is compared with, and the result a
/// duplicate repeats.
struct IdempotencyEntry: Sendable {
    /// Payloads compared for a reused key: debit (amount, session_id), grant (amount, source), consume
    /// (entitlement_key, quantity).
    enum Payload: Hashable, Sendable {
        case grant(Millicredits, GrantSource)
        case debit(Millicredits, sessionID: String?)
        case consume(entitlementKey: String, quantity: Int64)
    }

    var payload: Payload
    var snapshot: ResultSnapshot
}
