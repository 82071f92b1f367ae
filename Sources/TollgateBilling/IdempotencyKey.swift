/// An idempotency key of one user for one op (keys are per user and per op).
struct IdempotencyKey: Hashable, Sendable {
    enum Op: UInt8, Sendable { case grant, debit, consume }
    var op: Op
    var key: String
}
