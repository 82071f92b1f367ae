/// One broken invariant found by replay verification.
public struct Violation: Hashable, Sendable {
    /// A stable name from the list in docs/billing-decisions.md (`decision_replays`, `balance_equation`, …).
    public var invariant: String
    /// The record at fault; nil for end-of-log checks.
    public var seq: Int64?
    public var detail: String

    public init(invariant: String, seq: Int64?, detail: String) {
        self.invariant = invariant; self.seq = seq; self.detail = detail
    }

    /// `{"invariant":..,"seq":..|null,"detail":..}`.
    public var json: JSONValue {
        .object([
            ("invariant", .string(invariant)), ("seq", seq.map(JSONValue.int) ?? .null), ("detail", .string(detail)),
        ])
    }
}
